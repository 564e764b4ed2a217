// Command day8-performance runs the whole system: a registry, servers that
// register with it by heartbeat, and a client that finds them through it.
// Each part can run as its own process:
//
//	go run ./gee-rpc/day8-performance -role registry -addr 127.0.0.1:9999 -timeout 3s
//	go run ./gee-rpc/day8-performance -role server -addr 127.0.0.1:8001 -registry http://127.0.0.1:9999/_geerpc_/registry -heartbeat 1s
//	go run ./gee-rpc/day8-performance -role server -addr 127.0.0.1:8002 -registry http://127.0.0.1:9999/_geerpc_/registry -heartbeat 1s
//	go run ./gee-rpc/day8-performance -role client -registry http://127.0.0.1:9999/_geerpc_/registry
//
// Without -role it starts a registry and two servers in this process and
// runs the client against them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"gee-rpc/day8-performance/geerpc"
	"gee-rpc/day8-performance/geerpc/registry"
	"gee-rpc/day8-performance/geerpc/xclient"
)

// Foo is the demo service; each server knows its own address.
type Foo struct{ addr string }

// Args are the arguments of Foo.Sum.
type Args struct{ Num1, Num2 int }

// Sum adds the two numbers and says which server did it.
func (f *Foo) Sum(args Args, reply *string) error {
	*reply = fmt.Sprintf("%d from %s", args.Num1+args.Num2, f.addr)
	return nil
}

// Sleep waits for the given duration, then answers.
func (f *Foo) Sleep(d time.Duration, reply *string) error {
	time.Sleep(d)
	*reply = fmt.Sprintf("slept %s on %s", d, f.addr)
	return nil
}

type config struct {
	role, addr, registry, mode string
	timeout, heartbeat         time.Duration
	refresh, deadline, sleep   time.Duration
	calls                      int
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// run is the whole demo; tests call it with their own arguments and
// writer, and cancel ctx where main would get SIGINT or SIGTERM.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	var c config
	fs := flag.NewFlagSet("day8-performance", flag.ContinueOnError)
	fs.StringVar(&c.role, "role", "", "registry, server or client; empty runs everything in this process")
	fs.StringVar(&c.addr, "addr", "127.0.0.1:0", "address to listen on (registry, server)")
	fs.StringVar(&c.registry, "registry", "", "registry URL, e.g. http://127.0.0.1:9999"+registry.DefaultPath+" (server, client)")
	fs.DurationVar(&c.timeout, "timeout", registry.DefaultTimeout, "registry: forget a server this long after its last heartbeat")
	fs.DurationVar(&c.heartbeat, "heartbeat", 0, "server: heartbeat period (0: a minute less than the registry default)")
	fs.StringVar(&c.mode, "mode", "both", "client: random, roundrobin or both")
	fs.IntVar(&c.calls, "calls", 4, "client: calls per select mode")
	fs.DurationVar(&c.refresh, "refresh", 0, "client: refetch the server list after this long (0: 10s)")
	fs.DurationVar(&c.deadline, "deadline", 200*time.Millisecond, "client: deadline of the Foo.Sleep call")
	fs.DurationVar(&c.sleep, "sleep", time.Second, "client: how long Foo.Sleep is asked to sleep")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: day8-performance [-role registry|server|client] [flags]

Start the parts as separate processes (stop them with Ctrl-C):
  day8-performance -role registry -addr 127.0.0.1:9999 -timeout 3s
  day8-performance -role server -addr 127.0.0.1:8001 -registry http://127.0.0.1:9999%[1]s -heartbeat 1s
  day8-performance -role server -addr 127.0.0.1:8002 -registry http://127.0.0.1:9999%[1]s -heartbeat 1s
  day8-performance -role client -registry http://127.0.0.1:9999%[1]s
Each server serves RPC at http@addr and its debug page at http://addr%[2]s.
Without -role, everything runs in this process.

`, registry.DefaultPath, geerpc.DefaultDebugPath)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	switch c.role {
	case "registry":
		return serveRegistry(ctx, c, stdout)
	case "server":
		return serveRPC(ctx, c, stdout)
	case "client":
		return runClient(ctx, c, stdout)
	case "":
		return runAll(ctx, c, stdout)
	default:
		return fmt.Errorf("unknown -role %q", c.role)
	}
}

// serveUntilDone serves handler on lis until ctx is done (in main: until
// SIGINT or SIGTERM).
func serveUntilDone(ctx context.Context, stdout io.Writer, lis net.Listener, handler http.Handler, beforeStop func()) error {
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
		fmt.Fprintf(stdout, "%v, stopping\n", context.Cause(ctx))
	}
	if beforeStop != nil {
		beforeStop()
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Hijacked RPC connections are not tracked by Shutdown; they end
	// when the process does.
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(stdout, "stopped")
	return nil
}

func serveRegistry(ctx context.Context, c config, stdout io.Writer) error {
	lis, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle(registry.DefaultPath, registry.New(c.timeout))
	fmt.Fprintf(stdout, "listening on %s (registry http://%s%s, servers expire after %s)\n", lis.Addr(), lis.Addr(), registry.DefaultPath, c.timeout)
	return serveUntilDone(ctx, stdout, lis, mux, nil)
}

// serveRPC serves a Foo of its own over HTTP, on a mux of its own (not
// DefaultServer and DefaultServeMux, which take each name once), so any
// number of servers can run in one process.
func serveRPC(ctx context.Context, c config, stdout io.Writer) error {
	if c.registry == "" {
		return errors.New("-role server needs -registry URL")
	}
	lis, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	defer lis.Close()
	rpcAddr := "http@" + lis.Addr().String()
	server := geerpc.NewServer()
	if err := server.Register(&Foo{addr: rpcAddr}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "listening on %s (rpc %s, debug http://%s%s)\n", lis.Addr(), rpcAddr, lis.Addr(), geerpc.DefaultDebugPath)
	stop := registry.Heartbeat(c.registry, rpcAddr, c.heartbeat)
	fmt.Fprintf(stdout, "heartbeating to %s\n", c.registry)
	return serveUntilDone(ctx, stdout, lis, server.HTTPHandler(), stop)
}

// runClient makes the calls and prints one line per outcome. It fails if
// any call that should succeed did not, or the slow call did not miss its
// deadline.
func runClient(ctx context.Context, c config, stdout io.Writer) error {
	if c.registry == "" {
		return errors.New("-role client needs -registry URL")
	}
	var modes []xclient.SelectMode
	switch c.mode {
	case "random":
		modes = []xclient.SelectMode{xclient.RandomSelect}
	case "roundrobin":
		modes = []xclient.SelectMode{xclient.RoundRobinSelect}
	case "both":
		modes = []xclient.SelectMode{xclient.RandomSelect, xclient.RoundRobinSelect}
	default:
		return fmt.Errorf("unknown -mode %q", c.mode)
	}
	d := xclient.NewGeeRegistryDiscovery(c.registry, c.refresh)
	servers, err := d.GetAll()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "registry lists %d servers: %v\n", len(servers), servers)

	failed := 0
	for _, mode := range modes {
		xc := xclient.NewXClient(d, mode, nil)
		for i := range c.calls {
			var reply string
			if err := xc.Call(ctx, "Foo.Sum", Args{Num1: i, Num2: i * i}, &reply); err != nil {
				fmt.Fprintf(stdout, "%-11s Foo.Sum(%d, %d) FAILED: %v\n", mode, i, i*i, err)
				failed++
				continue
			}
			fmt.Fprintf(stdout, "%-11s Foo.Sum(%d, %d) = %s\n", mode, i, i*i, reply)
		}
		_ = xc.Close()
	}

	xc := xclient.NewXClient(d, xclient.RandomSelect, nil)
	defer xc.Close()
	var reply string
	if err := xc.Broadcast(ctx, "Foo.Sum", Args{Num1: 2, Num2: 3}, &reply); err != nil {
		fmt.Fprintf(stdout, "broadcast   Foo.Sum(2, 3) FAILED: %v\n", err)
		failed++
	} else {
		fmt.Fprintf(stdout, "broadcast   Foo.Sum(2, 3) = %s\n", reply)
	}

	short, cancel := context.WithTimeout(ctx, c.deadline)
	defer cancel()
	reply = ""
	err = xc.Call(short, "Foo.Sleep", c.sleep, &reply)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintf(stdout, "deadline    Foo.Sleep(%s) within %s: missed as expected: %v\n", c.sleep, c.deadline, err)
	case err != nil:
		fmt.Fprintf(stdout, "deadline    Foo.Sleep(%s) within %s FAILED: %v\n", c.sleep, c.deadline, err)
		failed++
	default:
		fmt.Fprintf(stdout, "deadline    Foo.Sleep(%s) within %s FAILED: answered %q in time\n", c.sleep, c.deadline, reply)
		failed++
	}
	if failed > 0 {
		return fmt.Errorf("%d calls failed", failed)
	}
	fmt.Fprintln(stdout, "all calls behaved")
	return nil
}

// runAll starts a registry and two servers (plain TCP) in this process and
// runs the client against them.
func runAll(ctx context.Context, c config, stdout io.Writer) error {
	lis, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	regSrv := &http.Server{Handler: registry.New(c.timeout)}
	go func() { _ = regSrv.Serve(lis) }()
	defer regSrv.Close()
	c.registry = "http://" + lis.Addr().String() + registry.DefaultPath
	fmt.Fprintf(stdout, "listening on %s (registry %s)\n", lis.Addr(), c.registry)

	for range 2 {
		stop, err := startTCPServer(c.registry, stdout)
		if err != nil {
			return err
		}
		defer stop()
	}
	return runClient(ctx, c, stdout)
}

// startTCPServer serves a Foo of its own over plain TCP on a loopback port
// and registers it with the registry; stop ends the heartbeats and closes
// the listener.
func startTCPServer(registryURL string, stdout io.Writer) (stop func(), err error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rpcAddr := "tcp@" + lis.Addr().String()
	server := geerpc.NewServer()
	if err := server.Register(&Foo{addr: rpcAddr}); err != nil {
		_ = lis.Close()
		return nil, err
	}
	go server.Accept(lis)
	stopBeats := registry.Heartbeat(registryURL, rpcAddr, time.Minute)
	fmt.Fprintf(stdout, "listening on %s (rpc %s)\n", lis.Addr(), rpcAddr)
	return func() {
		stopBeats()
		_ = lis.Close()
	}, nil
}
