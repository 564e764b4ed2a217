package gee

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func newTestWriter() (*responseWriter, *httptest.ResponseRecorder) {
	rec := httptest.NewRecorder()
	return newResponseWriter(rec), rec
}

func TestResponseWriterBeforeAnything(t *testing.T) {
	w, _ := newTestWriter()
	if w.Written() || w.Status() != http.StatusOK || w.Size() != 0 {
		t.Fatalf("fresh writer: Written=%v Status=%d Size=%d", w.Written(), w.Status(), w.Size())
	}
}

func TestResponseWriterWriteImpliesOK(t *testing.T) {
	w, rec := newTestWriter()
	n, err := w.Write([]byte("hello"))
	if n != 5 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	w.Write([]byte("!"))
	if !w.Written() || w.Status() != 200 || w.Size() != 6 || rec.Code != 200 || rec.Body.String() != "hello!" {
		t.Fatalf("Written=%v Status=%d Size=%d rec=%d %q", w.Written(), w.Status(), w.Size(), rec.Code, rec.Body.String())
	}
}

func TestResponseWriterKeepsFirstStatus(t *testing.T) {
	w, rec := newTestWriter()
	w.WriteHeader(http.StatusNotFound)
	w.WriteHeader(http.StatusInternalServerError)
	w.Write([]byte("x"))
	if w.Status() != 404 || rec.Code != 404 {
		t.Fatalf("Status=%d recorded=%d, want 404", w.Status(), rec.Code)
	}
}

func TestResponseWriterInformationalStatusDoesNotStartResponse(t *testing.T) {
	w, _ := newTestWriter()
	w.WriteHeader(http.StatusEarlyHints)
	if w.Written() {
		t.Fatal("103 Early Hints marked the response as started")
	}
	w.WriteHeader(http.StatusCreated)
	if !w.Written() || w.Status() != 201 {
		t.Fatalf("Written=%v Status=%d, want true 201", w.Written(), w.Status())
	}
}

func TestResponseWriterFlushAndUnwrap(t *testing.T) {
	w, rec := newTestWriter()
	if err := http.NewResponseController(w).Flush(); err != nil {
		t.Fatalf("Flush through ResponseController: %v", err)
	}
	if !rec.Flushed || !w.Written() {
		t.Fatalf("Flushed=%v Written=%v, want both true", rec.Flushed, w.Written())
	}
	if w.Unwrap() != rec {
		t.Fatal("Unwrap does not return the underlying writer")
	}
}

// WebSocket libraries type-assert http.Hijacker on the writer a handler
// gets; the wrapper must not hide that the connection can be taken over.
func TestResponseWriterHijacks(t *testing.T) {
	engine := New()
	engine.GET("/ws", func(c *Context) {
		hijacker, ok := c.Writer.(http.Hijacker)
		if !ok {
			c.String(http.StatusInternalServerError, "c.Writer is not an http.Hijacker")
			return
		}
		conn, rw, err := hijacker.Hijack()
		if err != nil {
			c.String(http.StatusInternalServerError, "hijack: %v", err)
			return
		}
		defer conn.Close()
		if !c.Writer.Written() {
			t.Error("a hijacked response does not count as started")
		}
		rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		rw.Flush()
	})
	srv := httptest.NewServer(engine)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/ws")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || string(body) != "hijacked" {
		t.Fatalf("got %d %q (%v), want 200 \"hijacked\" written on the raw connection", resp.StatusCode, body, err)
	}
}

func TestResponseWriterHijackWithoutSupportIsAnError(t *testing.T) {
	w, _ := newTestWriter() // httptest.ResponseRecorder cannot hijack
	if _, _, err := w.Hijack(); err == nil || !strings.HasPrefix(err.Error(), "gee: ") {
		t.Fatalf("Hijack on a recorder = %v, want a gee error", err)
	}
	if w.Written() {
		t.Fatal("a failed hijack marked the response as started")
	}
}
