// Command day2-client starts a geerpc server and makes five concurrent
// calls over one client connection, printing each reply.
//
//	go run ./gee-rpc/day2-client [-codec application/json]
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

	"gee-rpc/day2-client/geerpc"
	"gee-rpc/day2-client/geerpc/codec"
)

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
	fs := flag.NewFlagSet("day2-client", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address for the server to listen on")
	codecType := fs.String("codec", string(codec.GobType), "codec: application/gob or application/json")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: day2-client [-addr host:port] [-codec type]\n\nStarts a server, then five goroutines share one client to call it.\n\n")
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
	fmt.Fprintf(stdout, "listening on %s\n", lis.Addr())
	go geerpc.Accept(lis)

	client, err := geerpc.Dial("tcp", lis.Addr().String(), &geerpc.Option{CodecType: codec.Type(*codecType)})
	if err != nil {
		return err
	}
	defer client.Close()

	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range 5 {
		wg.Go(func() {
			var reply string
			args := fmt.Sprintf("geerpc req %d", i)
			if err := client.Call("Foo.Sum", args, &reply); err != nil {
				fmt.Fprintf(stdout, "%s -> error: %v\n", args, err)
				failed.Add(1)
				return
			}
			fmt.Fprintf(stdout, "%s -> %s\n", args, reply)
		})
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d of 5 calls failed", n)
	}
	return nil
}
