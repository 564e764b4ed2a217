// Command day3-service registers a Foo service by reflection, then five
// goroutines call Foo.Sum over one client connection.
//
//	go run ./gee-rpc/day3-service [-codec application/json]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"

	"gee-rpc/day3-service/geerpc"
	"gee-rpc/day3-service/geerpc/codec"
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
	fs := flag.NewFlagSet("day3-service", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address for the server to listen on")
	codecType := fs.String("codec", string(codec.GobType), "codec: application/gob or application/json")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: day3-service [-addr host:port] [-codec type]\n\nRegisters Foo, starts a server, then five goroutines call Foo.Sum.\n\n")
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

	server := geerpc.NewServer()
	if err := server.Register(new(Foo)); err != nil {
		return err
	}
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer lis.Close()
	fmt.Fprintf(stdout, "listening on %s\n", lis.Addr())
	go server.Accept(lis)

	client, err := geerpc.Dial("tcp", lis.Addr().String(), &geerpc.Option{CodecType: codec.Type(*codecType)})
	if err != nil {
		return err
	}
	defer client.Close()

	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range 5 {
		wg.Go(func() {
			args := Args{Num1: i, Num2: i * i}
			var reply int
			if err := client.Call("Foo.Sum", args, &reply); err != nil {
				fmt.Fprintf(stdout, "%d + %d -> error: %v\n", args.Num1, args.Num2, err)
				failed.Add(1)
				return
			}
			fmt.Fprintf(stdout, "%d + %d = %d\n", args.Num1, args.Num2, reply)
		})
	}
	wg.Wait()
	var reply int
	err = client.Call("Foo.Nope", Args{}, &reply)
	fmt.Fprintf(stdout, "Foo.Nope -> error: %v\n", err)
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d of 5 calls failed", n)
	}
	return nil
}
