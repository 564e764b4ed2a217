package xclient_test

import (
	"context"
	"fmt"
	"net"

	"gee-rpc/day8-performance/geerpc"
	"gee-rpc/day8-performance/geerpc/xclient"
)

// Calc is the example service.
type Calc struct{}

// Add adds two numbers.
func (Calc) Add(args [2]int, reply *int) error {
	*reply = args[0] + args[1]
	return nil
}

func ExampleXClient_Call() {
	var servers []string
	for range 2 {
		server := geerpc.NewServer()
		_ = server.Register(Calc{})
		lis, _ := net.Listen("tcp", "127.0.0.1:0")
		defer lis.Close()
		go server.Accept(lis)
		servers = append(servers, "tcp@"+lis.Addr().String())
	}

	d := xclient.NewMultiServerDiscovery(servers)
	xc := xclient.NewXClient(d, xclient.RoundRobinSelect, nil)
	defer xc.Close()
	for i := range 3 {
		var sum int
		err := xc.Call(context.Background(), "Calc.Add", [2]int{i, 10}, &sum)
		fmt.Println(sum, err)
	}
	var sum int
	err := xc.Broadcast(context.Background(), "Calc.Add", [2]int{1, 1}, &sum)
	fmt.Println("broadcast:", sum, err)
	// Output:
	// 10 <nil>
	// 11 <nil>
	// 12 <nil>
	// broadcast: 2 <nil>
}
