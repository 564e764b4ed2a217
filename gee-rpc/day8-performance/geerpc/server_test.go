package geerpc

import (
	"bytes"
	"errors"
	"io"
	"log"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"gee-rpc/day8-performance/geerpc/codec"
)

var codecTypes = []codec.Type{codec.GobType, codec.JsonType}

// rawDial opens a connection and sends the option.
func rawDial(t *testing.T, addr string, ct codec.Type) (net.Conn, codec.Codec) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	if _, err := conn.Write(optionBytes(t, &Option{MagicNumber: MagicNumber, CodecType: ct})); err != nil {
		t.Fatal(err)
	}
	return conn, codec.NewCodecFuncMap[ct](conn)
}

// readReplies reads n responses and returns body by seq.
func readReplies(t *testing.T, conn net.Conn, cc codec.Codec, n int) map[uint64]int {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := make(map[uint64]int)
	for range n {
		var h codec.Header
		if err := cc.ReadHeader(&h); err != nil {
			t.Fatalf("read header: %v", err)
		}
		if h.Error != "" {
			t.Fatalf("seq %d: unexpected error %q", h.Seq, h.Error)
		}
		var reply int
		if err := cc.ReadBody(&reply); err != nil {
			t.Fatalf("read body: %v", err)
		}
		got[h.Seq] = reply
	}
	return got
}

func TestServerAnswersEveryCodec(t *testing.T) {
	_, addr, _ := newTestServer(t)
	for _, ct := range codecTypes {
		t.Run(string(ct), func(t *testing.T) {
			conn, cc := rawDial(t, addr, ct)
			for seq := uint64(1); seq <= 3; seq++ {
				h := &codec.Header{ServiceMethod: "Foo.Sum", Seq: seq}
				if err := writeFrame(cc, h, Args{int(seq), 10}); err != nil {
					t.Fatal(err)
				}
			}
			got := readReplies(t, conn, cc, 3)
			for seq := uint64(1); seq <= 3; seq++ {
				if want := int(seq) + 10; got[seq] != want {
					t.Errorf("seq %d: got %d, want %d", seq, got[seq], want)
				}
			}
		})
	}
}

// Regression: the well-known version decoded the option with a buffering
// JSON decoder and lost the first request when it arrived in the same
// packet as the option.
func TestHandshakeReadsOnlyTheOption(t *testing.T) {
	_, addr, _ := newTestServer(t)
	for _, ct := range codecTypes {
		t.Run(string(ct), func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// Option, then two whole frames, in a single Write.
			var packet bytes.Buffer
			packet.Write(optionBytes(t, &Option{MagicNumber: MagicNumber, CodecType: ct}))
			enc := codec.NewCodecFuncMap[ct](nopCloser{&packet})
			for seq := uint64(1); seq <= 2; seq++ {
				if err := writeFrame(enc, &codec.Header{ServiceMethod: "Foo.Sum", Seq: seq}, Args{int(seq), 1}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := conn.Write(packet.Bytes()); err != nil {
				t.Fatal(err)
			}
			got := readReplies(t, conn, codec.NewCodecFuncMap[ct](conn), 2)
			if got[1] != 2 || got[2] != 3 {
				t.Fatalf("got %v", got)
			}
		})
	}
}

// nopCloser turns a buffer into the ReadWriteCloser a codec wants.
type nopCloser struct{ *bytes.Buffer }

func (nopCloser) Close() error { return nil }

func TestBadHandshakeClosesOnlyThatConnection(t *testing.T) {
	_, addr, logs := newTestServer(t)
	cases := []struct {
		name, handshake, wantLog string
	}{
		{"bad magic", `{"MagicNumber":4660,"CodecType":"application/gob"}` + "\n", "invalid magic number 0x1234"},
		{"unknown codec", `{"MagicNumber":3927900,"CodecType":"application/xml"}` + "\n", `unknown codec type "application/xml"`},
		{"not json", "GET / HTTP/1.1\r\n\r\n", "read option"},
		{"no newline", `{"MagicNumber":3927900,"CodecType":"application/gob"}` + "x", "option must end with a newline"},
		{"too large", `{"CodecType":"` + strings.Repeat("a", maxOptionSize) + `"}` + "\n", "read option"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tc.handshake); err != nil {
				t.Fatal(err)
			}
			expectClosed(t, conn)
			waitForLog(t, logs, tc.wantLog)

			// The server still serves everybody else.
			good, cc := rawDial(t, addr, codec.GobType)
			if err := writeFrame(cc, &codec.Header{ServiceMethod: "Foo.Sum", Seq: 7}, Args{3, 4}); err != nil {
				t.Fatal(err)
			}
			if got := readReplies(t, good, cc, 1); got[7] != 7 {
				t.Fatalf("got %v", got)
			}
		})
	}
}

// expectClosed waits until the server closes conn.
func expectClosed(t *testing.T, conn net.Conn) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	// EOF, or a reset when the server closed with our bytes unread.
	_, err := io.Copy(io.Discard, conn)
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		t.Fatalf("connection not closed by server: %v", err)
	}
}

func TestMalformedFrameClosesConnection(t *testing.T) {
	_, addr, logs := newTestServer(t)
	for _, ct := range codecTypes {
		t.Run(string(ct), func(t *testing.T) {
			conn, _ := rawDial(t, addr, ct)
			if _, err := conn.Write([]byte("\x07garbage{{{{\n")); err != nil {
				t.Fatal(err)
			}
			expectClosed(t, conn)
			waitForLog(t, logs, "read header")

			good, cc := rawDial(t, addr, ct)
			if err := writeFrame(cc, &codec.Header{ServiceMethod: "Foo.Sum", Seq: 7}, Args{3, 4}); err != nil {
				t.Fatal(err)
			}
			if got := readReplies(t, good, cc, 1); got[7] != 7 {
				t.Fatalf("other connections broken too: got %v", got)
			}
		})
	}
}

func TestWrongBodyTypeGetsErrorAndConnectionStaysUsable(t *testing.T) {
	_, addr, _ := newTestServer(t)
	for _, ct := range codecTypes {
		t.Run(string(ct), func(t *testing.T) {
			conn, cc := rawDial(t, addr, ct)
			// Foo.Sum wants Args; send a number.
			if err := writeFrame(cc, &codec.Header{ServiceMethod: "Foo.Sum", Seq: 1}, 42); err != nil {
				t.Fatal(err)
			}
			var h codec.Header
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			if err := cc.ReadHeader(&h); err != nil {
				t.Fatal(err)
			}
			if h.Seq != 1 || !strings.Contains(h.Error, "read body") {
				t.Fatalf("got header %+v, want an error for seq 1", h)
			}
			if err := cc.ReadBody(nil); err != nil {
				t.Fatal(err)
			}
			if err := writeFrame(cc, &codec.Header{ServiceMethod: "Foo.Sum", Seq: 2}, Args{1, 1}); err != nil {
				t.Fatal(err)
			}
			if got := readReplies(t, conn, cc, 1); got[2] != 2 {
				t.Fatalf("got %v", got)
			}
		})
	}
}

// writeFailingConn reads normally but every write fails, like a peer that
// has stopped reading and reset its end.
type writeFailingConn struct{ net.Conn }

func (writeFailingConn) Write([]byte) (int, error) {
	return 0, errors.New("write failed on purpose")
}

// A response that cannot be sent must not leave the connection open with
// the client waiting for it: the server closes the connection.
func TestFailedWriteClosesConnection(t *testing.T) {
	for _, ct := range codecTypes {
		t.Run(string(ct), func(t *testing.T) {
			server := NewServer()
			logs := new(syncBuffer)
			server.logger = log.New(logs, "", 0)
			if err := server.Register(new(Foo)); err != nil {
				t.Fatal(err)
			}
			clientEnd, serverEnd := net.Pipe()
			defer clientEnd.Close()
			served := make(chan struct{})
			go func() {
				server.ServeConn(writeFailingConn{serverEnd})
				close(served)
			}()

			var packet bytes.Buffer
			packet.Write(optionBytes(t, &Option{MagicNumber: MagicNumber, CodecType: ct}))
			if err := writeFrame(codec.NewCodecFuncMap[ct](nopCloser{&packet}), &codec.Header{ServiceMethod: "Foo.Sum", Seq: 1}, Args{1, 2}); err != nil {
				t.Fatal(err)
			}
			_ = clientEnd.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := clientEnd.Write(packet.Bytes()); err != nil {
				t.Fatal(err)
			}
			select {
			case <-served:
			case <-time.After(5 * time.Second):
				t.Fatal("connection still served after its response could not be written")
			}
			waitForLog(t, logs, "write failed on purpose")
		})
	}
}

// Regression: the well-known version waited forever for a peer that
// connected and said nothing, or only part of its option; each such
// connection kept a goroutine. Now the handshake has a deadline.
func TestSilentPeerIsShedAfterHandshakeTimeout(t *testing.T) {
	server := NewServer()
	server.HandshakeTimeout = 100 * time.Millisecond
	addr, logs := startServer(t, server)
	baseline := runtime.NumGoroutine()
	for _, sent := range []string{"", `{"MagicNumber":3927900,"Codec`} {
		var conns []net.Conn
		for range 20 {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, sent); err != nil {
				t.Fatal(err)
			}
			conns = append(conns, conn)
		}
		for _, conn := range conns {
			expectClosed(t, conn)
		}
	}
	waitForLog(t, logs, "i/o timeout; connection closed")
	waitGoroutines(t, baseline)
}

// deadlineConn records the read deadlines ServeConn sets, then reports the
// peer gone.
type deadlineConn struct {
	net.Conn
	deadlines []time.Time
}

func (c *deadlineConn) SetReadDeadline(t time.Time) error {
	c.deadlines = append(c.deadlines, t)
	return nil
}

func (c *deadlineConn) Read([]byte) (int, error) { return 0, io.EOF }
func (c *deadlineConn) Close() error             { return nil }

func TestHandshakeTimeoutDefaultsToTenSeconds(t *testing.T) {
	server := NewServer()
	server.logger = log.New(io.Discard, "", 0)
	conn := new(deadlineConn)
	start := time.Now()
	server.ServeConn(conn)
	if len(conn.deadlines) == 0 {
		t.Fatal("no read deadline set for the handshake")
	}
	if d := conn.deadlines[0].Sub(start); d < DefaultHandshakeTimeout || d > DefaultHandshakeTimeout+time.Second {
		t.Fatalf("handshake deadline %s after the start, want %s", d, DefaultHandshakeTimeout)
	}
}

// A wrong magic number is refused as soon as the option is decoded, not
// when (if ever) the newline after it arrives.
func TestWrongMagicNumberIsRefusedBeforeTheNewline(t *testing.T) {
	server := NewServer()
	server.HandshakeTimeout = time.Minute // only the magic check can close it in time
	addr, logs := startServer(t, server)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, `{"MagicNumber":4660,"CodecType":"application/gob"}`); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, conn)
	waitForLog(t, logs, "invalid magic number 0x1234")
}

func TestIdleConnectionIsClosed(t *testing.T) {
	server := NewServer()
	server.IdleTimeout = 100 * time.Millisecond
	if err := server.Register(new(Foo)); err != nil {
		t.Fatal(err)
	}
	addr, logs := startServer(t, server)
	conn, cc := rawDial(t, addr, codec.JsonType)
	if err := writeFrame(cc, &codec.Header{ServiceMethod: "Foo.Sum", Seq: 1}, Args{1, 2}); err != nil {
		t.Fatal(err)
	}
	if got := readReplies(t, conn, cc, 1); got[1] != 3 {
		t.Fatalf("got %v", got)
	}
	expectClosed(t, conn) // nothing more is sent: the server hangs up
	waitForLog(t, logs, "i/o timeout; connection closed")
}

// Regression: the Error a client put in its request came back in a
// successful response, where the client took it for a failure.
func TestRequestErrorIsNotEchoed(t *testing.T) {
	_, addr, _ := newTestServer(t)
	for _, ct := range codecTypes {
		t.Run(string(ct), func(t *testing.T) {
			conn, cc := rawDial(t, addr, ct)
			if err := writeFrame(cc, &codec.Header{ServiceMethod: "Foo.Sum", Seq: 1, Error: "injected"}, Args{1, 2}); err != nil {
				t.Fatal(err)
			}
			if got := readReplies(t, conn, cc, 1); got[1] != 3 {
				t.Fatalf("got %v", got)
			}
		})
	}
}
