// Command day6-load-balance starts two servers and drives them through an
// XClient: calls with random and round-robin selection, a broadcast, and a
// broadcast whose deadline the slow method misses.
//
//	go run ./gee-rpc/day6-load-balance
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

	"gee-rpc/day6-load-balance/geerpc"
	"gee-rpc/day6-load-balance/geerpc/xclient"
)

// Foo is the demo service; each server knows its own address.
type Foo struct{ addr string }

// Args are the arguments of Foo.Sum.
type Args struct{ Num1, Num2 int }

// Sum adds the two numbers and says which server did it.
func (f *Foo) Sum(args Args, reply *string) error {
	*reply = fmt.Sprintf("%d (from %s)", args.Num1+args.Num2, f.addr)
	return nil
}

// Sleep waits for the given duration, then answers.
func (f *Foo) Sleep(d time.Duration, reply *string) error {
	time.Sleep(d)
	*reply = fmt.Sprintf("slept %s (on %s)", d, f.addr)
	return nil
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
	fs := flag.NewFlagSet("day6-load-balance", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: day6-load-balance\n\nStarts two servers on loopback ports and calls them through an XClient.\n")
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

	var servers []string
	for range 2 {
		srv, addr, err := startServer("127.0.0.1:0", stdout)
		if err != nil {
			return err
		}
		defer srv.Close()
		servers = append(servers, "http@"+addr)
	}
	callServers(ctx, xclient.NewMultiServerDiscovery(servers), stdout)
	return nil
}

// callServers makes the demo's calls through an XClient over d.
func callServers(ctx context.Context, d xclient.Discovery, stdout io.Writer) {
	for _, mode := range []xclient.SelectMode{xclient.RandomSelect, xclient.RoundRobinSelect} {
		xc := xclient.NewXClient(d, mode, nil)
		for i := range 4 {
			var reply string
			err := xc.Call(ctx, "Foo.Sum", Args{Num1: i, Num2: i * i}, &reply)
			fmt.Fprintf(stdout, "%-11s call Foo.Sum(%d, %d) = %s, err = %v\n", mode, i, i*i, reply, err)
		}
		_ = xc.Close()
	}

	xc := xclient.NewXClient(d, xclient.RandomSelect, nil)
	defer xc.Close()
	var reply string
	err := xc.Broadcast(ctx, "Foo.Sum", Args{Num1: 2, Num2: 3}, &reply)
	fmt.Fprintf(stdout, "broadcast Foo.Sum(2, 3) = %s, err = %v\n", reply, err)

	reply = ""
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	err = xc.Broadcast(short, "Foo.Sleep", 500*time.Millisecond, &reply)
	fmt.Fprintf(stdout, "broadcast Foo.Sleep(500ms) with a 100ms deadline: reply = %q, err = %v\n", reply, err)
}

// startServer serves a Foo of its own over HTTP on addr: RPC by CONNECT at
// /_geerpc_, the debug page at /debug/geerpc. A server and mux of its own
// (not DefaultServer and DefaultServeMux, which take each name once), so
// any number can run in one process. Close the returned server to stop.
func startServer(addr string, stdout io.Writer) (*http.Server, string, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	addr = lis.Addr().String()
	server := geerpc.NewServer()
	if err := server.Register(&Foo{addr: "http@" + addr}); err != nil {
		_ = lis.Close()
		return nil, "", err
	}
	srv := &http.Server{Handler: server.HTTPHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(lis) }()
	fmt.Fprintf(stdout, "listening on %s (rpc http@%s, debug http://%s%s)\n", addr, addr, addr, geerpc.DefaultDebugPath)
	return srv, addr, nil
}
