package gee

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func newTestWriter() (*responseWriter, *httptest.ResponseRecorder) {
	rec := httptest.NewRecorder()
	w := new(responseWriter)
	w.reset(rec)
	return w, rec
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
