// Command day8-performance runs a registry, servers that register with it by
// heartbeat, and a client that finds them through it and makes day6's
// calls. Without -role all of them run in this process; with -role each
// runs as a process of its own (-h shows how).
//
//	go run ./gee-rpc/day8-performance
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
	fs := flag.NewFlagSet("day8-performance", flag.ContinueOnError)
	role := fs.String("role", "", "registry, server or client; empty runs all in this process")
	listen := fs.String("addr", "127.0.0.1:0", "address to listen on (registry, server)")
	regURL := fs.String("registry", "", "registry URL (server, client)")
	expiry := fs.Duration("timeout", registry.DefaultTimeout, "registry: forget a server this long after its last heartbeat")
	period := fs.Duration("heartbeat", 0, "server: heartbeat period (0: a minute less than the registry's default)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: day8-performance [-role registry|server|client] [flags]

Each part as a process of its own (stop a registry or server with Ctrl-C):
  day8-performance -role registry -addr 127.0.0.1:9999 -timeout 3s
  day8-performance -role server -addr 127.0.0.1:8001 -registry http://127.0.0.1:9999%[1]s -heartbeat 1s
  day8-performance -role server -addr 127.0.0.1:8002 -registry http://127.0.0.1:9999%[1]s -heartbeat 1s
  day8-performance -role client -registry http://127.0.0.1:9999%[1]s

`, registry.DefaultPath)
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

	if *regURL == "" && (*role == "server" || *role == "client") {
		return fmt.Errorf("-role %s needs -registry URL", *role)
	}
	switch *role {
	case "registry":
		reg, _, err := startRegistry(*listen, *expiry, stdout)
		if err != nil {
			return err
		}
		defer reg.Close()
	case "server":
		srv, addr, err := startServer(*listen, stdout)
		if err != nil {
			return err
		}
		defer srv.Close()
		defer registry.Heartbeat(*regURL, "http@"+addr, *period)()
		fmt.Fprintf(stdout, "heartbeating to %s\n", *regURL)
	case "client":
		callServers(ctx, xclient.NewGeeRegistryDiscovery(*regURL, 0), stdout)
		return nil
	case "":
		reg, url, err := startRegistry("127.0.0.1:0", *expiry, stdout)
		if err != nil {
			return err
		}
		defer reg.Close()
		for range 2 {
			srv, addr, err := startServer("127.0.0.1:0", stdout)
			if err != nil {
				return err
			}
			defer srv.Close()
			defer registry.Heartbeat(url, "http@"+addr, *period)()
		}
		callServers(ctx, xclient.NewGeeRegistryDiscovery(url, 0), stdout)
		return nil
	default:
		return fmt.Errorf("unknown -role %q", *role)
	}
	<-ctx.Done() // a registry or server serves until SIGINT or SIGTERM
	fmt.Fprintln(stdout, "stopped")
	return nil
}

// startRegistry serves a registry on addr at registry.DefaultPath.
func startRegistry(addr string, expiry time.Duration, stdout io.Writer) (*http.Server, string, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	url := "http://" + lis.Addr().String() + registry.DefaultPath
	mux := http.NewServeMux()
	mux.Handle(registry.DefaultPath, registry.New(expiry))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(lis) }()
	fmt.Fprintf(stdout, "registry at %s (servers expire after %s)\n", url, expiry)
	return srv, url, nil
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
