// Command day5-http-debug serves geerpc over HTTP: RPC by CONNECT at
// /_geerpc_ and a debug page at /debug/geerpc. It makes a few calls
// through XDial("http@...") and prints the debug page.
//
//	go run ./gee-rpc/day5-http-debug                     # calls, page, exit
//	go run ./gee-rpc/day5-http-debug -serve -addr 127.0.0.1:9999
//	                                                      # keep serving; open /debug/geerpc
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

	"gee-rpc/day5-http-debug/geerpc"
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
	fs := flag.NewFlagSet("day5-http-debug", flag.ContinueOnError)
	listen := fs.String("addr", "127.0.0.1:0", "address for the HTTP server to listen on")
	serveOnly := fs.Bool("serve", false, "after the calls keep serving until SIGINT/SIGTERM")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: day5-http-debug [-addr host:port] [-serve]\n\nServes Foo over HTTP CONNECT, calls it via XDial(\"http@addr\"), prints the debug page.\n\n")
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

	srv, addr, err := startServer(*listen, stdout)
	if err != nil {
		return err
	}
	defer srv.Close()
	client, err := geerpc.XDial("http@" + addr)
	if err != nil {
		return err
	}
	defer client.Close()
	for i := range 3 {
		var reply string
		err := client.Call(ctx, "Foo.Sum", Args{Num1: i, Num2: i * i}, &reply)
		fmt.Fprintf(stdout, "Foo.Sum(%d, %d) = %s, err = %v\n", i, i*i, reply, err)
	}
	var slept string
	err = client.Call(ctx, "Foo.Sleep", 10*time.Millisecond, &slept)
	fmt.Fprintf(stdout, "Foo.Sleep(10ms) = %q, err = %v\n", slept, err)

	resp, err := http.Get("http://" + addr + geerpc.DefaultDebugPath)
	if err != nil {
		return err
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "GET %s -> %s\n%s", geerpc.DefaultDebugPath, resp.Status, page)

	if *serveOnly {
		<-ctx.Done()
		fmt.Fprintln(stdout, "stopped")
	}
	return nil
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
