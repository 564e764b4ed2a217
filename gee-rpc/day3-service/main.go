// Command day3-service registers a Foo service by reflection, then five
// goroutines call Foo.Sum over one client connection.
//
//	go run ./gee-rpc/day3-service [-codec application/json]
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"sync"

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
	addr := flag.String("addr", "127.0.0.1:0", "address for the server to listen on")
	codecType := flag.String("codec", string(codec.GobType), "codec: application/gob or application/json")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: day3-service [-addr host:port] [-codec type]\n\nRegisters Foo, starts a server, then five goroutines call Foo.Sum.\n\n")
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

	client, err := geerpc.Dial("tcp", lis.Addr().String(), &geerpc.Option{CodecType: codec.Type(*codecType)})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() {
			args := Args{Num1: i, Num2: i * i}
			var reply int
			if err := client.Call("Foo.Sum", args, &reply); err != nil {
				log.Printf("call Foo.Sum: %v", err)
				return
			}
			fmt.Printf("%d + %d = %d\n", args.Num1, args.Num2, reply)
		})
	}
	wg.Wait()
	var reply int
	err = client.Call("Foo.Nope", Args{}, &reply)
	fmt.Printf("Foo.Nope -> error: %v\n", err)
}
