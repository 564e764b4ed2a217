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
	addr := flag.String("addr", "127.0.0.1:0", "address for the HTTP server to listen on")
	serveOnly := flag.Bool("serve", false, "after the calls keep serving until SIGINT/SIGTERM")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: day5-http-debug [-addr host:port] [-serve]\n\nServes Foo over HTTP CONNECT, calls it via XDial(\"http@addr\"), prints the debug page.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()

	if err := geerpc.Register(new(Foo)); err != nil {
		log.Fatal(err)
	}
	geerpc.HandleHTTP()
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: http.DefaultServeMux}
	go func() {
		if err := srv.Serve(lis); !errors.Is(err, http.ErrServerClosed) {
			log.Print(err)
		}
	}()
	defer srv.Close()
	fmt.Printf("listening on %s (rpc %s, debug http://%s%s)\n", lis.Addr(), geerpc.DefaultRPCPath, lis.Addr(), geerpc.DefaultDebugPath)

	client, err := geerpc.XDial("http@" + lis.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	for i := range 3 {
		var reply int
		err := client.Call(context.Background(), "Foo.Sum", Args{Num1: i, Num2: i * i}, &reply)
		fmt.Printf("Foo.Sum(%d, %d) = %d, err = %v\n", i, i*i, reply, err)
	}
	var slept string
	err = client.Call(context.Background(), "Foo.Sleep", 10*time.Millisecond, &slept)
	fmt.Printf("Foo.Sleep(10ms) = %q, err = %v\n", slept, err)

	resp, err := http.Get("http://" + lis.Addr().String() + geerpc.DefaultDebugPath)
	if err != nil {
		log.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("GET %s -> %s\n%s", geerpc.DefaultDebugPath, resp.Status, page)

	if *serveOnly {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
		<-sig
		fmt.Println("stopped")
	}
}
