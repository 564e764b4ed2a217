package gee

import (
	"io"
	"log"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Logger returns a middleware that logs every request to standard error
// with its status, method, path and duration.
func Logger() HandlerFunc {
	return LoggerWithWriter(os.Stderr)
}

// LoggerWithWriter is Logger writing to out. The status logged is the one
// the client got (read from c.Writer), whoever wrote the response. A request
// whose chain panics past the Logger is logged with "panic" for a status:
// net/http then drops the connection instead of answering.
func LoggerWithWriter(out io.Writer) HandlerFunc {
	logger := log.New(out, "[gee] ", log.LstdFlags)
	return func(c *Context) {
		start := time.Now()
		finished := false
		// Deferred, so that it runs while a panic unwinds too; the panic
		// itself goes on to Recovery or net/http.
		defer func() {
			status := strconv.Itoa(c.Writer.Status())
			if !finished {
				status = "panic"
			}
			logger.Printf("%3s | %-7s %s | %v", status, c.Method, loggablePath(c.Path), time.Since(start))
		}()
		c.Next()
		finished = true
	}
}

// loggablePath returns path as it is, or quoted if it holds control
// characters: the path is decoded from the URL, so "/x%0A[gee] ..." would
// otherwise start a forged line in the log.
func loggablePath(path string) string {
	if strings.ContainsFunc(path, unicode.IsControl) {
		return strconv.Quote(path)
	}
	return path
}
