package gee

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"runtime"
	"strings"
)

// Recovery returns a middleware that turns a panic in any handler after it
// into a 500 answer and logs the request's method and path, the panic value
// and a trimmed stack trace to standard error, so one bad request does not
// take the server down.
func Recovery() HandlerFunc {
	return RecoveryWithWriter(os.Stderr)
}

// RecoveryWithWriter is Recovery logging to out.
//
// If the handler had already started the response when it panicked, a 500
// can no longer be sent and appending one would corrupt the body. Recovery
// then logs the panic and aborts the connection (by panicking with
// http.ErrAbortHandler, which net/http handles quietly), so the client sees
// a broken response rather than a truncated one that looks complete.
func RecoveryWithWriter(out io.Writer) HandlerFunc {
	logger := log.New(out, "[gee] ", log.LstdFlags)
	return func(c *Context) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // a deliberate abort, not a bug: let net/http do it
			}
			logger.Printf("panic recovered: %s %s: %v\n%s", c.Method, loggablePath(c.Path), v, stackTrace())
			if c.Writer.Written() {
				panic(http.ErrAbortHandler)
			}
			header := c.Writer.Header()
			for _, key := range abandonedBodyHeaders {
				header.Del(key)
			}
			c.Fail(http.StatusInternalServerError, "Internal Server Error")
		}()
		c.Next()
	}
}

// abandonedBodyHeaders describe the body the handler was preparing when it
// panicked. The 500 replaces that body, so they must go: a left-over
// "Content-Encoding: gzip" or "Content-Length" would make the error answer
// unreadable. Headers set by middleware (CORS, request ids) stay.
var abandonedBodyHeaders = []string{
	"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Length",
	"Content-Range", "Etag", "Last-Modified",
}

// stackTrace formats the stack of the panicking goroutine from the function
// that panicked up to the framework's entry point, leaving out the runtime's
// panic machinery below it and net/http's server loop above it.
func stackTrace() string {
	var pcs [64]uintptr
	n := runtime.Callers(0, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	var b strings.Builder
	b.WriteString("Traceback:")
	started := false
	for {
		frame, more := frames.Next()
		switch {
		case !started:
			// Everything up to runtime.gopanic is Recovery and the runtime.
			started = frame.Function == "runtime.gopanic"
		case strings.HasPrefix(frame.Function, "runtime."):
			// runtime.panicBounds and friends for runtime errors
		case strings.HasPrefix(frame.Function, "net/http."):
			return b.String()
		default:
			fmt.Fprintf(&b, "\n\t%s\n\t\t%s:%d", frame.Function, frame.File, frame.Line)
		}
		if !more {
			return b.String()
		}
	}
}
