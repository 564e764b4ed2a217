// Command day4-timeout shows the timeouts: a call whose context deadline
// passes, a call the server gives up on (HandleTimeout), and a dial that
// fails within ConnectTimeout.
//
//	go run ./gee-rpc/day4-timeout [-codec application/json]
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
	"syscall"
	"time"

	"gee-rpc/day4-timeout/geerpc"
	"gee-rpc/day4-timeout/geerpc/codec"
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
	fs := flag.NewFlagSet("day4-timeout", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address for the server to listen on")
	codecType := fs.String("codec", string(codec.GobType), "codec: application/gob or application/json")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: day4-timeout [-addr host:port] [-codec type]\n\nStarts a server with Foo.Sum and Foo.Sleep and runs into each timeout once.\n\n")
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

	opt := &geerpc.Option{CodecType: codec.Type(*codecType), HandleTimeout: 300 * time.Millisecond}
	client, err := geerpc.Dial("tcp", lis.Addr().String(), opt)
	if err != nil {
		return err
	}
	defer client.Close()

	var sum int
	err = client.Call(ctx, "Foo.Sum", Args{Num1: 1, Num2: 2}, &sum)
	fmt.Fprintf(stdout, "Foo.Sum(1, 2) = %d, err = %v\n", sum, err)

	var slept string
	err = client.Call(ctx, "Foo.Sleep", 50*time.Millisecond, &slept)
	fmt.Fprintf(stdout, "Foo.Sleep(50ms) = %q, err = %v\n", slept, err)

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	err = client.Call(short, "Foo.Sleep", 200*time.Millisecond, &slept)
	fmt.Fprintf(stdout, "Foo.Sleep(200ms) with a 100ms deadline: err = %v\n", err)

	err = client.Call(ctx, "Foo.Sleep", time.Second, &slept)
	fmt.Fprintf(stdout, "Foo.Sleep(1s) with HandleTimeout 300ms: err = %v\n", err)

	// The TCP handshake needs no answer from the server, so show the
	// connect path with a port nobody listens on.
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	deadAddr := dead.Addr().String()
	_ = dead.Close()
	_, err = geerpc.Dial("tcp", deadAddr, &geerpc.Option{ConnectTimeout: time.Second})
	fmt.Fprintf(stdout, "Dial to a closed port: err = %v\n", err)
	return nil
}
