// Command day4-timeout shows the timeouts: a call whose context deadline
// passes, a call the server gives up on (HandleTimeout), and a dial that
// fails within ConnectTimeout.
//
//	go run ./gee-rpc/day4-timeout [-codec application/json]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
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
	addr := flag.String("addr", "127.0.0.1:0", "address for the server to listen on")
	codecType := flag.String("codec", string(codec.GobType), "codec: application/gob or application/json")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: day4-timeout [-addr host:port] [-codec type]\n\nStarts a server with Foo.Sum and Foo.Sleep and runs into each timeout once.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()

	if err := geerpc.Register(new(Foo)); err != nil {
		log.Fatal(err)
	}
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	defer lis.Close()
	fmt.Printf("listening on %s\n", lis.Addr())
	go geerpc.Accept(lis)

	opt := &geerpc.Option{CodecType: codec.Type(*codecType), HandleTimeout: 300 * time.Millisecond}
	client, err := geerpc.Dial("tcp", lis.Addr().String(), opt)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	var sum int
	err = client.Call(context.Background(), "Foo.Sum", Args{Num1: 1, Num2: 2}, &sum)
	fmt.Printf("Foo.Sum(1, 2) = %d, err = %v\n", sum, err)

	var slept string
	err = client.Call(context.Background(), "Foo.Sleep", 50*time.Millisecond, &slept)
	fmt.Printf("Foo.Sleep(50ms) = %q, err = %v\n", slept, err)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err = client.Call(ctx, "Foo.Sleep", 200*time.Millisecond, &slept)
	fmt.Printf("Foo.Sleep(200ms) with a 100ms deadline: err = %v\n", err)

	err = client.Call(context.Background(), "Foo.Sleep", time.Second, &slept)
	fmt.Printf("Foo.Sleep(1s) with HandleTimeout 300ms: err = %v\n", err)

	// The TCP handshake needs no answer from the server, so show the
	// connect path with a port nobody listens on.
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := dead.Addr().String()
	_ = dead.Close()
	_, err = geerpc.Dial("tcp", deadAddr, &geerpc.Option{ConnectTimeout: time.Second})
	fmt.Printf("Dial to a closed port: err = %v\n", err)
}
