package gee

import (
	"bufio"
	"errors"
	"net"
	"net/http"
)

// ResponseWriter is the http.ResponseWriter handlers write to. Besides
// writing, it knows what has been sent, which net/http does not tell: the
// status and whether the response has started. Middleware such as a logger
// needs the first, and anything that wants to answer with an error needs the
// second, because a started response cannot be replaced.
type ResponseWriter interface {
	http.ResponseWriter
	// Status is the status code sent, or 200 if nothing has been sent yet
	// (what net/http sends for a handler that writes nothing).
	Status() int
	// Size is the number of body bytes written.
	Size() int
	// Written reports whether the status line has been sent.
	Written() bool
}

type responseWriter struct {
	http.ResponseWriter
	status  int
	size    int
	written bool
}

func newResponseWriter(rw http.ResponseWriter) *responseWriter {
	return &responseWriter{ResponseWriter: rw, status: http.StatusOK}
}

// WriteHeader sends the status once; later calls are ignored rather than
// passed on, so net/http never logs a superfluous WriteHeader and the status
// we remember is the one the client got. 1xx informational codes pass through
// without ending the header phase.
func (w *responseWriter) WriteHeader(code int) {
	if w.written {
		return
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.status = code
	w.written = true
	w.ResponseWriter.WriteHeader(code)
}

// Write sends the header first if needed (status 200, as net/http does).
func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(b)
	w.size += n
	return n, err
}

// Status implements ResponseWriter.
func (w *responseWriter) Status() int { return w.status }

// Size implements ResponseWriter.
func (w *responseWriter) Size() int { return w.size }

// Written implements ResponseWriter.
func (w *responseWriter) Written() bool { return w.written }

// Flush sends buffered data to the client, if the underlying writer can.
func (w *responseWriter) Flush() {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack hands the connection over to the handler, if the underlying writer
// can: WebSocket upgraders assert http.Hijacker on the writer they are given.
// The response then counts as started, so nothing is written after it.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hijacker, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("gee: the underlying http.ResponseWriter cannot hijack the connection")
	}
	conn, rw, err := hijacker.Hijack()
	if err == nil {
		w.written = true
	}
	return conn, rw, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
