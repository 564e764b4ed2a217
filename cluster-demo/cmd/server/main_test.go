package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"

	"cluster-demo/loadreport"
	"cluster-demo/userpb"
)

// lineWriter hands every complete line written to it to a channel.
type lineWriter struct {
	mu      sync.Mutex
	pending []byte
	all     bytes.Buffer
	lines   chan string
}

func newLineWriter() *lineWriter { return &lineWriter{lines: make(chan string, 100)} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.all.Write(p)
	w.pending = append(w.pending, p...)
	for {
		i := bytes.IndexByte(w.pending, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.lines <- string(w.pending[:i])
		w.pending = w.pending[i+1:]
	}
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.all.String()
}

// waitLine returns the first line starting with prefix, for at most 10s.
func (w *lineWriter) waitLine(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case line := <-w.lines:
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-timeout:
			t.Fatalf("no line starting %q; output so far:\n%s", prefix, w.String())
		}
	}
}

func TestServerServesStandardToolsAndStopsCleanlyOnSIGTERM(t *testing.T) {
	ctx, stop := signalContext() // as main does: SIGTERM ends it
	defer stop()
	out, errOut := newLineWriter(), newLineWriter()
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"-name", "n1", "-weight", "2", "-group", "B", "-limiter", "token", "-limit", "1000"}, out, errOut)
	}()
	line := out.waitLine(t, "listening on ")
	addr := strings.Fields(line)[2]
	for _, want := range []string{"service user", "node n1", "weight 2", `group "B"`, "registry memory", "limiter token bucket"} {
		if !strings.Contains(line, want) {
			t.Errorf("start line %q does not say %q", line, want)
		}
	}

	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	callCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var trailer metadata.MD
	u, err := userpb.NewUserServiceClient(cc).GetByID(callCtx, &userpb.GetByIDRequest{Id: 5}, grpc.Trailer(&trailer))
	if err != nil || u.GetNode() != "n1" || u.GetId() != 5 {
		t.Fatalf("GetByID: %v, %v", u, err)
	}
	if _, ok := loadreport.FromTrailer(trailer); !ok {
		t.Errorf("reply trailer %v carries no load report", trailer)
	}
	hc, err := healthpb.NewHealthClient(cc).Check(callCtx, &healthpb.HealthCheckRequest{})
	if err != nil || hc.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health: %v, %v", hc, err)
	}
	stream, err := reflectionpb.NewServerReflectionClient(cc).ServerReflectionInfo(callCtx)
	if err != nil {
		t.Fatal(err)
	}
	stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}})
	resp, err := stream.Recv()
	if err != nil || !strings.Contains(resp.String(), "clusterdemo.user.UserService") {
		t.Fatalf("reflection: %v, %v", resp, err)
	}
	stream.CloseSend()

	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exit:
		if code != 0 {
			t.Fatalf("exit status %d after SIGTERM; stderr:\n%s", code, errOut.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("still running 15s after SIGTERM; output:\n%s", out.String())
	}
	if !strings.HasSuffix(out.String(), "stopped\n") {
		t.Fatalf("output does not end with the stop:\n%s", out.String())
	}
}

func TestServerRejectsBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-registry", "zookeeper"}, 2, "-registry"},
		{[]string{"-limiter", "bucket"}, 2, "-limiter"},
		{[]string{"-limit", "0"}, 2, "-limit"},
		{[]string{"extra"}, 2, "unexpected arguments"},
		{[]string{"-weight", "-3"}, 1, "weight -3"},
		{[]string{"-addr", "not an address"}, 1, "listen"},
		{[]string{"-h"}, 0, "Usage: server"},
	} {
		out, errOut := newLineWriter(), newLineWriter()
		if code := run(context.Background(), tc.args, out, errOut); code != tc.code || !strings.Contains(errOut.String(), tc.msg) {
			t.Errorf("run %q: exit %d, stderr %q; want %d and a message with %q", tc.args, code, errOut.String(), tc.code, tc.msg)
		}
	}
}

// With etcd out of reach the server gives up at -register-timeout, with a
// message, instead of waiting forever.
func TestServerGivesUpWhenEtcdDoesNotAnswer(t *testing.T) {
	out, errOut := newLineWriter(), newLineWriter()
	start := time.Now()
	code := run(context.Background(), []string{"-registry", "etcd", "-etcd", "http://127.0.0.1:1", "-register-timeout", "300ms"}, out, errOut)
	if code != 1 || !strings.Contains(errOut.String(), "register") || time.Since(start) > 10*time.Second {
		t.Fatalf("exit %d after %v, stderr %q; want 1 soon, naming the registration", code, time.Since(start), errOut.String())
	}
}
