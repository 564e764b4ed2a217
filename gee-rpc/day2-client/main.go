// Command day2-client starts a geerpc server and makes five concurrent
// calls over one client connection, printing each reply.
//
//	go run ./gee-rpc/day2-client [-codec application/json]
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"sync"

	"gee-rpc/day2-client/geerpc"
	"gee-rpc/day2-client/geerpc/codec"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address for the server to listen on")
	codecType := flag.String("codec", string(codec.GobType), "codec: application/gob or application/json")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: day2-client [-addr host:port] [-codec type]\n\nStarts a server, then five goroutines share one client to call it.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()

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
			var reply string
			args := fmt.Sprintf("geerpc req %d", i)
			if err := client.Call("Foo.Sum", args, &reply); err != nil {
				log.Printf("call %d: %v", i, err)
				return
			}
			fmt.Printf("%s -> %s\n", args, reply)
		})
	}
	wg.Wait()
}
