// Command day1-codec starts a geerpc server and talks to it by hand: it
// writes the JSON option and JSON frames as plain text and prints the
// bytes that come back, so you can see the whole wire protocol.
//
//	go run ./gee-rpc/day1-codec                  # server + hand-written client
//	go run ./gee-rpc/day1-codec -serve -addr 127.0.0.1:9999   # server only, try it with nc
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"gee-rpc/day1-codec/geerpc"
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
	fs := flag.NewFlagSet("day1-codec", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	serveOnly := fs.Bool("serve", false, "only serve, until SIGINT/SIGTERM")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: day1-codec [-addr host:port] [-serve]

Without -serve it starts a server, sends three requests by hand over one
connection (option + JSON frames written as text) and prints the raw bytes.
With -serve it only serves; talk to it by hand, for example:

  printf '{"MagicNumber":3927900,"CodecType":"application/json"}\n{"ServiceMethod":"Foo.Sum","Seq":1,"Error":""}\n"hello"\n' | nc 127.0.0.1 9999

`)
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

	if *serveOnly {
		<-ctx.Done()
		fmt.Fprintln(stdout, "stopped")
		return nil
	}
	return talkByHand(lis.Addr().String(), stdout)
}

// talkByHand writes the option and three requests in a single write, then
// reads the six lines (header + body per response) the server sends back.
func talkByHand(addr string, stdout io.Writer) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))

	out := `{"MagicNumber":3927900,"CodecType":"application/json"}` + "\n"
	for seq := 1; seq <= 3; seq++ {
		out += fmt.Sprintf(`{"ServiceMethod":"Foo.Sum","Seq":%d,"Error":""}`+"\n", seq)
		out += fmt.Sprintf(`"geerpc req %d"`+"\n", seq)
	}
	for _, line := range strings.SplitAfter(out, "\n") {
		if line != "" {
			fmt.Fprintf(stdout, "> %s", line)
		}
	}
	if _, err := conn.Write([]byte(out)); err != nil {
		return err
	}
	in := bufio.NewScanner(conn)
	for range 6 {
		if !in.Scan() {
			return fmt.Errorf("server closed early: %v", in.Err())
		}
		fmt.Fprintf(stdout, "< %s\n", in.Text())
	}
	return nil
}
