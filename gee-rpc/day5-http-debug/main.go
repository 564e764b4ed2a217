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
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"gee-rpc/day5-http-debug/geerpc"
)

// Foo is the demo service.
type Foo int

// Args are the arguments of Foo.Sum.
type Args struct{ Num1, Num2 int }

// Sum adds the two numbers.
func (f Foo) Sum(args Args, reply *int) error {
	*reply = args.Num1 + args.Num2
	return nil
}

// Sleep waits for the given duration, then answers with it.
func (f Foo) Sleep(d time.Duration, reply *string) error {
	time.Sleep(d)
	*reply = "slept " + d.String()
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
	addr := fs.String("addr", "127.0.0.1:0", "address for the HTTP server to listen on")
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

	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer lis.Close()
	// A server and mux of its own (not DefaultServer and DefaultServeMux,
	// which take each name once), so the demo can run many times in a process.
	server := geerpc.NewServer()
	if err := server.Register(new(Foo)); err != nil {
		return err
	}
	srv := &http.Server{Handler: server.HTTPHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(lis); !errors.Is(err, http.ErrServerClosed) {
			log.Print(err)
		}
	}()
	defer srv.Close()
	fmt.Fprintf(stdout, "listening on %s (rpc %s, debug http://%s%s)\n", lis.Addr(), geerpc.DefaultRPCPath, lis.Addr(), geerpc.DefaultDebugPath)

	client, err := geerpc.XDial("http@" + lis.Addr().String())
	if err != nil {
		return err
	}
	defer client.Close()
	for i := range 3 {
		var reply int
		err := client.Call(ctx, "Foo.Sum", Args{Num1: i, Num2: i * i}, &reply)
		fmt.Fprintf(stdout, "Foo.Sum(%d, %d) = %d, err = %v\n", i, i*i, reply, err)
	}
	var slept string
	err = client.Call(ctx, "Foo.Sleep", 10*time.Millisecond, &slept)
	fmt.Fprintf(stdout, "Foo.Sleep(10ms) = %q, err = %v\n", slept, err)

	resp, err := http.Get("http://" + lis.Addr().String() + geerpc.DefaultDebugPath)
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
