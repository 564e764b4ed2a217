// Package bench compares gee-rpc's final chapter with net/rpc (gob) and
// net/rpc/jsonrpc over loopback TCP. Each case has a sub-benchmark per
// implementation: "gee" for day8-performance, "gee-day7" for day7-registry
// (the plain code before the speed work), "netrpc" or "jsonrpc" for the
// peer.
// Besides time and allocations each reports writes/op, the write system
// calls on both ends of the connection per call (what flushing frames in
// bursts saves), and cpu-ns/op, the CPU time the process (client and server
// together) spent per call: on a small shared machine wall time mostly
// measures the neighbours, CPU time much less so.
//
//	go test -bench . -benchmem ./gee-rpc/bench
package bench

import (
	"context"
	"net"
	"net/rpc"
	"net/rpc/jsonrpc"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	geerpc7 "gee-rpc/day7-registry/geerpc"
	codec7 "gee-rpc/day7-registry/geerpc/codec"
	"gee-rpc/day8-performance/geerpc"
	"gee-rpc/day8-performance/geerpc/codec"
)

// Args is the request: two numbers and a payload echoed back.
type Args struct {
	A, B int
	Data string
}

// Reply is the response.
type Reply struct {
	Sum  int
	Data string
}

// Arith is the service both frameworks serve.
type Arith struct{}

// Echo adds the numbers and echoes the payload.
func (Arith) Echo(args *Args, reply *Reply) error {
	reply.Sum = args.A + args.B
	reply.Data = args.Data
	return nil
}

var payloads = map[string]string{
	"Tiny": "",
	"1K":   strings.Repeat("x", 1024),
}

// caller is the one operation both clients offer.
type caller interface {
	call(args *Args, reply *Reply) error
	goCall(args *Args, reply *Reply, done chan result) // async; the result arrives on done
	close()
}

type result struct{ err error }

// writes counts Write calls on every connection of the running benchmark.
var writes atomic.Int64

type countingConn struct{ net.Conn }

func (c countingConn) Write(p []byte) (int, error) {
	writes.Add(1)
	return c.Conn.Write(p)
}

type countingListener struct{ net.Listener }

func (l countingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{conn}, nil
}

func listen(b *testing.B) net.Listener {
	b.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = lis.Close() })
	return countingListener{lis}
}

func dial(b *testing.B, addr string) net.Conn {
	b.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	return countingConn{conn}
}

// cpuTime is the user plus system time of the whole process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var cpuAtStart time.Duration

// start resets the counters just before the timed part.
func start(b *testing.B) {
	b.ReportAllocs()
	writes.Store(0)
	cpuAtStart = cpuTime()
	b.ResetTimer()
}

// report adds writes/op and cpu-ns/op to the result.
func report(b *testing.B) {
	b.ReportMetric(float64(cpuTime()-cpuAtStart)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(writes.Load())/float64(b.N), "writes/op")
}

// gee: day8

type geeCaller struct{ client *geerpc.Client }

func newGee(b *testing.B, ct codec.Type) caller {
	server := geerpc.NewServer()
	if err := server.Register(Arith{}); err != nil {
		b.Fatal(err)
	}
	lis := listen(b)
	go server.Accept(lis)
	client, err := geerpc.NewClient(dial(b, lis.Addr().String()), &geerpc.Option{CodecType: ct})
	if err != nil {
		b.Fatal(err)
	}
	return &geeCaller{client: client}
}

func (g *geeCaller) call(args *Args, reply *Reply) error {
	return g.client.Call(context.Background(), "Arith.Echo", args, reply)
}

func (g *geeCaller) goCall(args *Args, reply *Reply, done chan result) {
	call := g.client.Go("Arith.Echo", args, reply, make(chan *geerpc.Call, 1))
	go func() { done <- result{(<-call.Done).Error} }()
}

func (g *geeCaller) close() { _ = g.client.Close() }

// gee-day7: the same calls on day7's client and server

type gee7Caller struct{ client *geerpc7.Client }

func newGee7(b *testing.B, ct codec7.Type) caller {
	server := geerpc7.NewServer()
	if err := server.Register(Arith{}); err != nil {
		b.Fatal(err)
	}
	lis := listen(b)
	go server.Accept(lis)
	client, err := geerpc7.NewClient(dial(b, lis.Addr().String()), &geerpc7.Option{CodecType: ct})
	if err != nil {
		b.Fatal(err)
	}
	return &gee7Caller{client: client}
}

func (g *gee7Caller) call(args *Args, reply *Reply) error {
	return g.client.Call(context.Background(), "Arith.Echo", args, reply)
}

func (g *gee7Caller) goCall(args *Args, reply *Reply, done chan result) {
	call := g.client.Go("Arith.Echo", args, reply, make(chan *geerpc7.Call, 1))
	go func() { done <- result{(<-call.Done).Error} }()
}

func (g *gee7Caller) close() { _ = g.client.Close() }

// net/rpc and net/rpc/jsonrpc

type netCaller struct{ client *rpc.Client }

func newNetRPC(b *testing.B, json bool) caller {
	server := rpc.NewServer()
	if err := server.Register(Arith{}); err != nil {
		b.Fatal(err)
	}
	lis := listen(b)
	go func() {
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			if json {
				go server.ServeCodec(jsonrpc.NewServerCodec(conn))
			} else {
				go server.ServeConn(conn)
			}
		}
	}()
	conn := dial(b, lis.Addr().String())
	if json {
		return &netCaller{client: jsonrpc.NewClient(conn)}
	}
	return &netCaller{client: rpc.NewClient(conn)}
}

func (n *netCaller) call(args *Args, reply *Reply) error {
	return n.client.Call("Arith.Echo", args, reply)
}

func (n *netCaller) goCall(args *Args, reply *Reply, done chan result) {
	call := n.client.Go("Arith.Echo", args, reply, make(chan *rpc.Call, 1))
	go func() { done <- result{(<-call.Done).Error} }()
}

func (n *netCaller) close() { _ = n.client.Close() }

type impl struct {
	name string
	new  func(*testing.B) caller
}

// impls returns the implementations of one codec: day8, day7, the peer.
func impls(codecName string) []impl {
	if codecName == "Gob" {
		return []impl{
			{"gee", func(b *testing.B) caller { return newGee(b, codec.GobType) }},
			{"gee-day7", func(b *testing.B) caller { return newGee7(b, codec7.GobType) }},
			{"netrpc", func(b *testing.B) caller { return newNetRPC(b, false) }},
		}
	}
	return []impl{
		{"gee", func(b *testing.B) caller { return newGee(b, codec.JsonType) }},
		{"gee-day7", func(b *testing.B) caller { return newGee7(b, codec7.JsonType) }},
		{"jsonrpc", func(b *testing.B) caller { return newNetRPC(b, true) }},
	}
}

// benchSync: many goroutines make synchronous calls on one client.
func benchSync(b *testing.B, codecName, payload string) {
	for _, impl := range impls(codecName) {
		b.Run(impl.name, func(b *testing.B) {
			c := impl.new(b)
			defer c.close()
			data := payloads[payload]
			b.SetParallelism(8) // 8 goroutines per CPU
			start(b)
			b.RunParallel(func(pb *testing.PB) {
				args := &Args{A: 1, B: 2, Data: data}
				for pb.Next() {
					var reply Reply
					if err := c.call(args, &reply); err != nil || reply.Sum != 3 || len(reply.Data) != len(data) {
						b.Errorf("call: %v %+v", err, reply.Sum)
						return
					}
				}
			})
			report(b)
		})
	}
}

// benchAsync: one goroutine keeps 100 calls in flight.
func benchAsync(b *testing.B, codecName, payload string) {
	const inFlight = 100
	for _, impl := range impls(codecName) {
		b.Run(impl.name, func(b *testing.B) {
			c := impl.new(b)
			defer c.close()
			args := &Args{A: 1, B: 2, Data: payloads[payload]}
			done := make(chan result, inFlight)
			start(b)
			started := 0
			for ; started < inFlight && started < b.N; started++ {
				c.goCall(args, new(Reply), done)
			}
			for finished := 0; finished < b.N; finished++ {
				if r := <-done; r.err != nil {
					b.Fatal(r.err)
				}
				if started < b.N {
					c.goCall(args, new(Reply), done)
					started++
				}
			}
			report(b)
		})
	}
}

func BenchmarkSyncTinyGob(b *testing.B)   { benchSync(b, "Gob", "Tiny") }
func BenchmarkSyncTinyJSON(b *testing.B)  { benchSync(b, "JSON", "Tiny") }
func BenchmarkSync1KGob(b *testing.B)     { benchSync(b, "Gob", "1K") }
func BenchmarkSync1KJSON(b *testing.B)    { benchSync(b, "JSON", "1K") }
func BenchmarkAsyncTinyGob(b *testing.B)  { benchAsync(b, "Gob", "Tiny") }
func BenchmarkAsyncTinyJSON(b *testing.B) { benchAsync(b, "JSON", "Tiny") }
func BenchmarkAsync1KGob(b *testing.B)    { benchAsync(b, "Gob", "1K") }
func BenchmarkAsync1KJSON(b *testing.B)   { benchAsync(b, "JSON", "1K") }
