// Command day1-codec starts a geerpc server and talks to it by hand: it
// writes the JSON option and JSON frames as plain text and prints the
// bytes that come back, so you can see the whole wire protocol.
//
//	go run ./gee-rpc/day1-codec                  # server + hand-written client
//	go run ./gee-rpc/day1-codec -serve -addr 127.0.0.1:9999   # server only, try it with nc
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"gee-rpc/day1-codec/geerpc"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	serveOnly := flag.Bool("serve", false, "only serve, until SIGINT/SIGTERM")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), `Usage: day1-codec [-addr host:port] [-serve]

Without -serve it starts a server, sends three requests by hand over one
connection (option + JSON frames written as text) and prints the raw bytes.
With -serve it only serves; talk to it by hand, for example:

  printf '{"MagicNumber":3927900,"CodecType":"application/json"}\n{"ServiceMethod":"Foo.Sum","Seq":1,"Error":""}\n"hello"\n' | nc 127.0.0.1 9999

`)
		flag.PrintDefaults()
	}
	flag.Parse()

	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on %s\n", lis.Addr())
	go geerpc.Accept(lis)

	if *serveOnly {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
		<-sig
		_ = lis.Close()
		fmt.Println("stopped")
		return
	}
	if err := talkByHand(lis.Addr().String()); err != nil {
		log.Fatal(err)
	}
}

// talkByHand writes the option and three requests in a single write, then
// reads the six lines (header + body per response) the server sends back.
func talkByHand(addr string) error {
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
			fmt.Printf("> %s", line)
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
		fmt.Printf("< %s\n", in.Text())
	}
	return nil
}
