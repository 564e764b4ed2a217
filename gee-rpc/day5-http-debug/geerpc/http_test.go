package geerpc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gee-rpc/day5-http-debug/geerpc/codec"
)

// newHTTPTestServer serves Foo behind HTTP: RPC at DefaultRPCPath, the
// debug page at DefaultDebugPath.
func newHTTPTestServer(t *testing.T) (*Server, *httptest.Server) {
	t.Helper()
	server, _, _ := newTestServer(t)
	ts := httptest.NewServer(server.HTTPHandler())
	t.Cleanup(ts.Close)
	return server, ts
}

func TestDialHTTPEveryCodec(t *testing.T) {
	_, ts := newHTTPTestServer(t)
	for _, ct := range codecTypes {
		t.Run(string(ct), func(t *testing.T) {
			client, err := DialHTTP("tcp", ts.Listener.Addr().String(), &Option{CodecType: ct})
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			var reply int
			if err := client.Call(context.Background(), "Foo.Sum", Args{20, 22}, &reply); err != nil || reply != 42 {
				t.Fatalf("%d, %v", reply, err)
			}
		})
	}
}

// The exact bytes: a client in another language relies on them.
func TestConnectAnswerAndOneWriteHandshake(t *testing.T) {
	_, ts := newHTTPTestServer(t)
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	// CONNECT, option and a JSON frame in one write: nothing may be lost
	// in the HTTP server's read buffer.
	packet := "CONNECT /_geerpc_ HTTP/1.0\n\n" +
		`{"MagicNumber":3927900,"CodecType":"application/json"}` + "\n" +
		`{"ServiceMethod":"Foo.Sum","Seq":9,"Error":""}` + "\n" +
		`{"Num1":4,"Num2":5}` + "\n"
	if _, err := io.WriteString(conn, packet); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	status, _ := r.ReadString('\n')
	blank, _ := r.ReadString('\n')
	if status != "HTTP/1.0 200 Connected to Gee RPC\n" || blank != "\n" {
		t.Fatalf("answer = %q %q", status, blank)
	}
	cc := codec.NewJsonCodec(&bufferedConn{Conn: conn, r: r})
	var h codec.Header
	var reply int
	if err := cc.ReadHeader(&h); err != nil {
		t.Fatal(err)
	}
	if err := cc.ReadBody(&reply); err != nil {
		t.Fatal(err)
	}
	if h.Seq != 9 || h.Error != "" || reply != 9 {
		t.Fatalf("got %+v reply %d", h, reply)
	}
}

// Through CONNECT as on plain TCP (day1's TestHandshakeReadsOnlyTheOption):
// CONNECT, option and two whole frames in one write, with every codec.
func TestConnectOneWriteHandshakeEveryCodec(t *testing.T) {
	_, ts := newHTTPTestServer(t)
	for _, ct := range codecTypes {
		t.Run(string(ct), func(t *testing.T) {
			conn, err := net.Dial("tcp", ts.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			var packet bytes.Buffer
			packet.WriteString("CONNECT " + DefaultRPCPath + " HTTP/1.0\n\n")
			packet.Write(optionBytes(t, &Option{MagicNumber: MagicNumber, CodecType: ct}))
			enc := codec.NewCodecFuncMap[ct](nopCloser{&packet})
			for seq := uint64(1); seq <= 2; seq++ {
				if err := enc.Write(&codec.Header{ServiceMethod: "Foo.Sum", Seq: seq}, Args{int(seq), 1}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := conn.Write(packet.Bytes()); err != nil {
				t.Fatal(err)
			}
			_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
			r := bufio.NewReader(conn)
			resp, err := http.ReadResponse(r, &http.Request{Method: http.MethodConnect})
			if err != nil || resp.Status != connected {
				t.Fatalf("CONNECT answer: %v, %v", resp, err)
			}
			got := readReplies(t, conn, codec.NewCodecFuncMap[ct](&bufferedConn{Conn: conn, r: r}), 2)
			if got[1] != 2 || got[2] != 3 {
				t.Fatalf("got %v", got)
			}
		})
	}
}

func TestRPCPathRefusesOtherMethods(t *testing.T) {
	_, ts := newHTTPTestServer(t)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		req, _ := http.NewRequest(method, ts.URL+DefaultRPCPath, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "CONNECT" || !strings.Contains(string(body), "must CONNECT") {
			t.Errorf("%s: %d %q allow=%q", method, resp.StatusCode, body, resp.Header.Get("Allow"))
		}
	}
}

// NewHTTPClient does the CONNECT on a connection the caller dialed itself.
func TestNewHTTPClientOnAConnectionOfYourOwn(t *testing.T) {
	_, ts := newHTTPTestServer(t)
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	client, err := NewHTTPClient(conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var reply int
	if err := client.Call(context.Background(), "Foo.Sum", Args{2, 3}, &reply); err != nil || reply != 5 {
		t.Fatalf("%d, %v", reply, err)
	}
}

func TestDialHTTPToSomethingElse(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	defer ts.Close()
	_, err := DialHTTP("tcp", ts.Listener.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "unexpected HTTP response") {
		t.Fatalf("err = %v", err)
	}
}

// An HTTP handshake waits for the server's answer, so ConnectTimeout
// really matters here, and must leave nothing behind.
func TestDialHTTPConnectTimeoutDoesNotLeakGoroutines(t *testing.T) {
	addr := hangingListener(t)
	baseline := runtime.NumGoroutine()
	for range 5 {
		_, err := DialHTTP("tcp", addr, &Option{ConnectTimeout: 100 * time.Millisecond})
		if err == nil || !strings.Contains(err.Error(), "ConnectTimeout 100ms") {
			t.Fatalf("err = %v", err)
		}
	}
	waitGoroutines(t, baseline)
}

// Regression: after an HTTP CONNECT the server waited forever for the
// option, because the hijacked connection lost its deadlines on the way
// to ServeConn. HandshakeTimeout holds there as on plain TCP.
func TestHandshakeTimeoutHoldsAfterConnect(t *testing.T) {
	server, ts := newHTTPTestServer(t)
	server.HandshakeTimeout = 100 * time.Millisecond
	baseline := runtime.NumGoroutine()
	var conns []net.Conn
	for range 10 {
		conn, err := net.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := io.WriteString(conn, "CONNECT "+DefaultRPCPath+" HTTP/1.0\n\n"); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
	}
	for _, conn := range conns {
		expectClosed(t, conn) // the 200 answer, then nothing: closed
	}
	waitGoroutines(t, baseline)
}

func TestServeAndDialOnPathsOfYourOwn(t *testing.T) {
	server, _, _ := newTestServer(t)
	mux := http.NewServeMux()
	mux.Handle("/my/rpc", server)
	mux.Handle("/my"+DefaultDebugPath, server.DebugHandler())
	ts := httptest.NewServer(mux)
	defer ts.Close()
	addr := ts.Listener.Addr().String()

	client, err := DialHTTPPath("tcp", addr, "/my/rpc")
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var reply int
	if err := client.Call(context.Background(), "Foo.Sum", Args{1, 2}, &reply); err != nil || reply != 3 {
		t.Fatalf("%d, %v", reply, err)
	}
	if _, err := DialHTTP("tcp", addr); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("default path: err = %v, want 404", err)
	}
	for _, bad := range []string{"my/rpc", "/my rpc", "/my\r\nrpc"} {
		if _, err := DialHTTPPath("tcp", addr, bad); err == nil || !strings.Contains(err.Error(), "bad HTTP path") {
			t.Errorf("path %q: err = %v", bad, err)
		}
	}
	if calls := fooCalls(t, ts.URL+"/my"); calls["Sum"] != "1" {
		t.Fatalf("debug page counts %v, want one Sum", calls)
	}
}

// XDialContext's context bounds the whole dial, the HTTP handshake too.
func TestXDialContextHonoursContext(t *testing.T) {
	addr := hangingListener(t) // takes the CONNECT, never answers
	baseline := runtime.NumGoroutine()
	opt := &Option{ConnectTimeout: time.Minute} // only ctx can end it in time
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := callWithin(t, 5*time.Second, func() error {
		_, err := XDialContext(ctx, "http@"+addr, opt)
		return err
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("http: err = %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := XDialContext(ctx, "tcp@"+addr, opt); !errors.Is(err, context.Canceled) {
		t.Fatalf("tcp: err = %v", err)
	}
	waitGoroutines(t, baseline)
}

func TestXDial(t *testing.T) {
	server, ts := newHTTPTestServer(t)
	_, tcpAddr, _ := newTestServer(t)

	sock := filepath.Join(t.TempDir(), "geerpc.sock")
	lis, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	go server.Accept(lis)
	defer lis.Close()

	for _, rpcAddr := range []string{
		"tcp@" + tcpAddr,
		"http@" + ts.Listener.Addr().String(),
		"unix@" + sock,
	} {
		client, err := XDial(rpcAddr)
		if err != nil {
			t.Fatalf("%s: %v", rpcAddr, err)
		}
		var reply int
		err = client.Call(context.Background(), "Foo.Sum", Args{1, 2}, &reply)
		_ = client.Close()
		if err != nil || reply != 3 {
			t.Fatalf("%s: %d, %v", rpcAddr, reply, err)
		}
	}
	for _, bad := range []string{
		"127.0.0.1:1", "tcp@", "tcp@127.0.0.1", "tcp@:80", "tcp@h:0", "tcp@h:65536", "tcp@h:http",
		"http@h", "tcp4@h:1", "ftp@h:1", "unix@", "unix@relative.sock", "tcp@a,b:1", "tcp@h:1 ", "tcp@h\x7f:1", "tcp@" + strings.Repeat("h", 260) + ":1",
	} {
		_, err := XDial(bad)
		if err == nil || !strings.HasPrefix(err.Error(), "geerpc: bad address") {
			t.Errorf("XDial(%q) = %v, want a bad address error", bad, err)
		}
	}
	for _, good := range []string{"tcp@h:1", "http@[::1]:65535", "unix@/run/x.sock"} {
		if _, _, err := SplitAddr(good); err != nil {
			t.Errorf("SplitAddr(%q): %v", good, err)
		}
	}
}

func TestDebugPage(t *testing.T) {
	_, ts := newHTTPTestServer(t)
	client, err := DialHTTP("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	for range 2 {
		if err := client.Call(context.Background(), "Foo.Sum", Args{1, 2}, new(int)); err != nil {
			t.Fatal(err)
		}
	}

	resp, err := http.Get(ts.URL + DefaultDebugPath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	page := string(body)
	for _, row := range []string{
		"<tr><td>Foo</td><td>Sum</td><td>geerpc.Args</td><td>*int</td><td>2</td></tr>",
		"<tr><td>Foo</td><td>PtrSum</td><td>*geerpc.Args</td><td>*int</td><td>0</td></tr>",
		"<tr><td>Foo</td><td>Count</td><td>string</td><td>*map[string]int</td><td>0</td></tr>",
	} {
		if !strings.Contains(page, row) {
			t.Errorf("page lacks %s\n%s", row, page)
		}
	}
	if n := len(regexp.MustCompile(`<tr><td>Foo</td>`).FindAllString(page, -1)); n != 5 {
		t.Errorf("%d Foo rows, want 5", n)
	}

	resp, err = http.Post(ts.URL+DefaultDebugPath, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST debug page: %d", resp.StatusCode)
	}
}

var fooDebugRow = regexp.MustCompile(`<tr><td>Foo</td><td>(\w+)</td><td>[^<]*</td><td>[^<]*</td><td>(\d+)</td></tr>`)

// fooCalls reads the debug page at baseURL and returns Foo's call count
// per method.
func fooCalls(t *testing.T, baseURL string) map[string]string {
	t.Helper()
	resp, err := http.Get(baseURL + DefaultDebugPath)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s%s: %s, %v", baseURL, DefaultDebugPath, resp.Status, err)
	}
	calls := map[string]string{}
	for _, m := range fooDebugRow.FindAllStringSubmatch(string(body), -1) {
		calls[m[1]] = m[2]
	}
	return calls
}

// callHTTP makes one call through CONNECT at addr.
func callHTTP(t *testing.T, addr, method string, args any) {
	t.Helper()
	client, err := DialHTTP("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if err := client.Call(context.Background(), method, args, new(int)); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
}

// Two servers in one process, each behind its own HTTPHandler: each
// answers its own calls and its page counts only those.
func TestHTTPHandlerServesEachServerItsOwnPage(t *testing.T) {
	_, tsA := newHTTPTestServer(t)
	_, tsB := newHTTPTestServer(t)
	for range 2 {
		callHTTP(t, tsA.Listener.Addr().String(), "Foo.Sum", Args{1, 2})
	}
	callHTTP(t, tsB.Listener.Addr().String(), "Foo.Sum", Args{1, 2})
	callHTTP(t, tsB.Listener.Addr().String(), "Foo.PtrSum", &Args{3, 4})

	for _, tt := range []struct {
		name      string
		url       string
		sum, ptrs string
	}{
		{"A", tsA.URL, "2", "0"},
		{"B", tsB.URL, "1", "1"},
	} {
		calls := fooCalls(t, tt.url)
		if len(calls) != 5 || calls["Sum"] != tt.sum || calls["PtrSum"] != tt.ptrs {
			t.Errorf("server %s page counts %v, want Sum %s and PtrSum %s of 5 methods", tt.name, calls, tt.sum, tt.ptrs)
		}
	}

	resp, err := http.Get(tsA.URL + "/elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /elsewhere = %s, want 404", resp.Status)
	}
}

// HandleHTTP may run once per process, so every run of this test (go test
// -count=N) shares that one registration and checks what it serves.
var handleDefaultOnce = sync.OnceValue(func() error {
	if err := Register(new(Foo)); err != nil {
		return err
	}
	HandleHTTP()
	return nil
})

func TestHandleHTTPMountsDefaultServerOnDefaultServeMux(t *testing.T) {
	if err := handleDefaultOnce(); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(nil) // nil: http.DefaultServeMux
	defer ts.Close()
	before, _ := strconv.Atoi(fooCalls(t, ts.URL)["Sum"])
	callHTTP(t, ts.Listener.Addr().String(), "Foo.Sum", Args{1, 2})
	if after := fooCalls(t, ts.URL)["Sum"]; after != strconv.Itoa(before+1) {
		t.Errorf("DefaultServer's Sum count went from %d to %s, want %d", before, after, before+1)
	}

	// A second registration on DefaultServeMux panics (net/http's rule),
	// before changing anything.
	func() {
		defer func() {
			if recover() == nil {
				t.Error("a second HandleHTTP did not panic")
			}
		}()
		NewServer().HandleHTTP()
	}()
	callHTTP(t, ts.Listener.Addr().String(), "Foo.Sum", Args{1, 2})
	if after := fooCalls(t, ts.URL)["Sum"]; after != strconv.Itoa(before+2) {
		t.Errorf("after the refused HandleHTTP, Sum count = %s, want DefaultServer's %d", after, before+2)
	}
}

func ExampleServer_HTTPHandler() {
	server := NewServer()
	if err := server.Register(Calc{}); err != nil {
		fmt.Println(err)
		return
	}
	// A mux of its own, so any number of servers can share a process.
	ts := httptest.NewServer(server.HTTPHandler())
	defer ts.Close()

	client, err := DialHTTP("tcp", ts.Listener.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()
	var sum int
	err = client.Call(context.Background(), "Calc.Add", [2]int{3, 4}, &sum)
	fmt.Println(sum, err)

	resp, err := http.Get(ts.URL + DefaultDebugPath)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	for line := range strings.Lines(string(page)) {
		if strings.HasPrefix(line, "<tr><td>Calc</td>") {
			fmt.Print(line)
		}
	}
	// Output:
	// 7 <nil>
	// <tr><td>Calc</td><td>Add</td><td>[2]int</td><td>*int</td><td>1</td></tr>
}
