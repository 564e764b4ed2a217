package codec

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// bufConn is an in-memory connection: writes append, reads consume.
type bufConn struct {
	bytes.Buffer
	closed bool
}

func (c *bufConn) Close() error { c.closed = true; return nil }

type args struct{ A, B int }

func TestCodecRoundTrip(t *testing.T) {
	for typ, newCodec := range NewCodecFuncMap {
		t.Run(string(typ), func(t *testing.T) {
			conn := new(bufConn)
			cc := newCodec(conn)
			if err := cc.Write(&Header{ServiceMethod: "Foo.Sum", Seq: 1}, args{1, 2}); err != nil {
				t.Fatal(err)
			}
			if err := cc.Write(&Header{ServiceMethod: "Foo.Skip", Seq: 2}, args{3, 4}); err != nil {
				t.Fatal(err)
			}
			if err := cc.Write(&Header{ServiceMethod: "Foo.Sum", Seq: 3, Error: "boom"}, "tail"); err != nil {
				t.Fatal(err)
			}
			if conn.Len() != 0 {
				t.Fatalf("%d bytes on the wire before Flush", conn.Len())
			}
			if err := cc.Flush(); err != nil {
				t.Fatal(err)
			}

			var h Header
			var a args
			if err := cc.ReadHeader(&h); err != nil || h.Seq != 1 || h.ServiceMethod != "Foo.Sum" {
				t.Fatalf("header 1: %+v, %v", h, err)
			}
			if err := cc.ReadBody(&a); err != nil || a != (args{1, 2}) {
				t.Fatalf("body 1: %+v, %v", a, err)
			}
			if err := cc.ReadHeader(&h); err != nil || h.Seq != 2 {
				t.Fatalf("header 2: %+v, %v", h, err)
			}
			if err := cc.ReadBody(nil); err != nil { // discarded, stream stays in step
				t.Fatalf("discard body 2: %v", err)
			}
			h = Header{}
			var s string
			if err := cc.ReadHeader(&h); err != nil || h.Seq != 3 || h.Error != "boom" {
				t.Fatalf("header 3: %+v, %v", h, err)
			}
			if err := cc.ReadBody(&s); err != nil || s != "tail" {
				t.Fatalf("body 3: %q, %v", s, err)
			}
		})
	}
}

// brokenConn fails every write, like a connection the peer has reset.
type brokenConn struct{ bufConn }

func (c *brokenConn) Write([]byte) (int, error) { return 0, errors.New("connection reset on purpose") }

// A frame that cannot be sent closes the connection: the buffer keeps the
// error, so the connection could never send again, and a reader waiting
// on it for an answer must learn that at once.
func TestFailedSendClosesConnection(t *testing.T) {
	for typ, newCodec := range NewCodecFuncMap {
		t.Run(string(typ), func(t *testing.T) {
			conn := new(brokenConn)
			cc := newCodec(conn)
			if err := cc.Write(&Header{ServiceMethod: "Foo.Sum", Seq: 1}, args{1, 2}); err != nil {
				t.Fatal(err)
			}
			err := cc.Flush()
			if err == nil || !strings.Contains(err.Error(), "connection reset on purpose") {
				t.Fatalf("err = %v, want the write error", err)
			}
			if !conn.closed {
				t.Fatal("connection left open after a failed send")
			}
		})
	}
}

func TestJsonFramesAreLines(t *testing.T) {
	conn := new(bufConn)
	cc := NewJsonCodec(conn)
	if err := cc.Write(&Header{ServiceMethod: "Foo.Sum", Seq: 5}, args{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := cc.Flush(); err != nil {
		t.Fatal(err)
	}
	want := `{"ServiceMethod":"Foo.Sum","Seq":5,"Error":""}` + "\n" + `{"A":1,"B":2}` + "\n"
	if got := conn.String(); got != want {
		t.Fatalf("wire bytes:\n got %q\nwant %q", got, want)
	}
}

func TestUnencodableBody(t *testing.T) {
	t.Run("json writes nothing", func(t *testing.T) {
		conn := new(bufConn)
		cc := NewJsonCodec(conn)
		err := cc.Write(&Header{Seq: 1}, make(chan int))
		if err == nil || !strings.HasPrefix(err.Error(), "geerpc: json encode body") {
			t.Fatalf("err = %v", err)
		}
		if conn.Len() != 0 || conn.closed {
			t.Fatalf("wrote %q, closed=%v; want nothing written, still open", conn.String(), conn.closed)
		}
	})
	t.Run("gob refuses nil and stays open", func(t *testing.T) {
		for _, body := range []any{nil, (*args)(nil)} {
			conn := new(bufConn)
			cc := NewGobCodec(conn)
			err := cc.Write(&Header{Seq: 1}, body)
			if err == nil || !strings.HasPrefix(err.Error(), "geerpc: gob encode body") {
				t.Fatalf("%T: err = %v", body, err)
			}
			if conn.Len() != 0 || conn.closed {
				t.Fatalf("%T: wrote %d bytes, closed=%v; want nothing written, still open", body, conn.Len(), conn.closed)
			}
		}
	})
	t.Run("gob writes nothing and closes", func(t *testing.T) {
		conn := new(bufConn)
		err := NewGobCodec(conn).Write(&Header{Seq: 1}, make(chan int))
		if err == nil || !strings.HasPrefix(err.Error(), "geerpc: gob encode body") {
			t.Fatalf("err = %v", err)
		}
		if conn.Len() != 0 || !conn.closed {
			t.Fatalf("wrote %d bytes, closed=%v; want nothing written, closed", conn.Len(), conn.closed)
		}
	})
}

// A body read into something that cannot hold it fails that read only:
// the body is consumed, so the next header is read correctly.
func TestReadBodyIntoNonPointerKeepsStreamInStep(t *testing.T) {
	for typ, newCodec := range NewCodecFuncMap {
		t.Run(string(typ), func(t *testing.T) {
			conn := new(bufConn)
			cc := newCodec(conn)
			for seq := uint64(1); seq <= 3; seq++ {
				if err := cc.Write(&Header{Seq: seq}, args{int(seq), 0}); err != nil {
					t.Fatal(err)
				}
			}
			if err := cc.Flush(); err != nil {
				t.Fatal(err)
			}
			for _, into := range []any{args{}, (*args)(nil)} {
				var h Header
				if err := cc.ReadHeader(&h); err != nil {
					t.Fatalf("header before %T: %v", into, err)
				}
				if err := cc.ReadBody(into); err == nil {
					t.Fatalf("ReadBody(%T) succeeded", into)
				}
			}
			var h Header
			var a args
			if err := cc.ReadHeader(&h); err != nil || h.Seq != 3 {
				t.Fatalf("header 3: %+v, %v", h, err)
			}
			if err := cc.ReadBody(&a); err != nil || a != (args{3, 0}) {
				t.Fatalf("body 3: %+v, %v", a, err)
			}
		})
	}
}
