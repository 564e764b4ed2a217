// Command balancers runs every balancer side by side on real gRPC: three
// UserService servers on loopback with different weights (one of them slow),
// registered in the in-memory registry, and the same batch of calls through
// each balancer, ours and grpc-go's round_robin and pick_first. It prints how
// the calls spread over the nodes, checks the balancers whose spread is
// exact, and ends with "RESULT balancers: ok" (exit status 1 otherwise).
//
//	go run ./cluster-demo/cmd/balancers
//	go run ./cluster-demo/cmd/balancers -calls 5000 -slow 5ms
//	go run ./cluster-demo/cmd/balancers -json   # machine-readable, for cmd/lbchart
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cluster-demo/balancer"
	"cluster-demo/client"
	"cluster-demo/node"
	"cluster-demo/registry"
	"cluster-demo/route"
	"cluster-demo/server"
	"cluster-demo/userpb"
)

const service = "user"

// Node describes one server of the run.
type Node struct {
	Name   string        `json:"name"`
	Addr   string        `json:"addr"`
	Weight int           `json:"weight"`
	Delay  time.Duration `json:"delay"`
}

// Result is the spread of one balancer.
type Result struct {
	Balancer string         `json:"balancer"`
	Calls    map[string]int `json:"calls"` // node name -> calls it served
	Failed   int            `json:"failed"`
	Elapsed  time.Duration  `json:"elapsed"`
}

// Run is the whole outcome, as written by -json.
type Run struct {
	CallsPerBalancer int      `json:"callsPerBalancer"`
	Workers          int      `json:"workers"`
	Nodes            []Node   `json:"nodes"`
	Results          []Result `json:"results"`
}

func main() {
	calls := flag.Int("calls", 1000, "calls per balancer")
	workers := flag.Int("workers", 8, "concurrent callers")
	weights := flag.String("weights", "5,3,2", "weights of node-1, node-2, node-3 (comma-separated, 1.."+strconv.Itoa(registry.MaxWeight)+")")
	slow := flag.Duration("slow", 2*time.Millisecond, "extra time node-3 takes per call, so least-active and fastest have something to avoid")
	host := flag.String("host", "127.0.0.1", "interface the servers listen on (ports are picked free)")
	asJSON := flag.Bool("json", false, "print the run as JSON (for cmd/lbchart) instead of the table")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), `Usage: balancers [flags]

Starts three servers on loopback (node-1..3, weights from -weights, node-3
slowed by -slow), sends -calls calls through each balancer with -workers
callers and prints the spread per node. Hash balancers get the key
user-<n mod 200>. Exits 1 if a call fails or an exact balancer is off.

`)
		flag.PrintDefaults()
	}
	flag.Parse()
	ws, err := parseWeights(*weights)
	if err != nil || *calls < 1 || *workers < 1 || *slow < 0 {
		fmt.Fprintf(os.Stderr, "balancers: need 3 weights 1..%d, calls >= 1, workers >= 1, slow >= 0 (%v)\n", registry.MaxWeight, err)
		os.Exit(2)
	}
	if err := run(*calls, *workers, ws, *slow, *host, *asJSON); err != nil {
		fmt.Fprintln(os.Stderr, "balancers:", err)
		fmt.Println("RESULT balancers: FAILED")
		os.Exit(1)
	}
}

func parseWeights(s string) ([]int, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return nil, fmt.Errorf("got %d weights", len(parts))
	}
	ws := make([]int, 3)
	for i, p := range parts {
		w, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || w < 1 || w > registry.MaxWeight {
			return nil, fmt.Errorf("bad weight %q", p)
		}
		ws[i] = w
	}
	return ws, nil
}

func run(calls, workers int, weights []int, slow time.Duration, host string, asJSON bool) error {
	ctx := context.Background()
	reg := registry.NewMemory()
	defer reg.Close()
	out := Run{CallsPerBalancer: calls, Workers: workers}
	for i, w := range weights {
		n := Node{Name: fmt.Sprintf("node-%d", i+1), Weight: w}
		if i == 2 {
			n.Delay = slow
		}
		s := server.New(reg, service, server.WithWeight(w))
		userpb.RegisterUserServiceServer(s.GRPC(), node.New(n.Name, node.WithDelay(n.Delay)))
		if err := s.Start(ctx, host+":0"); err != nil {
			return err
		}
		defer s.Stop()
		n.Addr = s.Addr()
		out.Nodes = append(out.Nodes, n)
	}
	if !asJSON {
		for _, n := range out.Nodes {
			fmt.Printf("server %s at %s, weight %d, delay %v\n", n.Name, n.Addr, n.Weight, n.Delay)
		}
		fmt.Printf("%d calls per balancer, %d concurrent callers, hash key user-<n mod 200>\n\n", calls, workers)
		fmt.Printf("%-26s %8s %8s %8s %7s %8s\n", "balancer", "node-1", "node-2", "node-3", "failed", "time")
	}
	names := append(append([]string(nil), balancer.Names...), "round_robin", "pick_first")
	for _, name := range names {
		res, err := spread(ctx, reg, name, out.Nodes, calls, workers)
		if err != nil {
			return err
		}
		out.Results = append(out.Results, res)
		if !asJSON {
			fmt.Printf("%-26s %8d %8d %8d %7d %8v\n", name, res.Calls["node-1"], res.Calls["node-2"], res.Calls["node-3"], res.Failed, res.Elapsed.Round(time.Millisecond))
		}
	}
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Println()
	failures := check(out)
	if failures > 0 {
		return fmt.Errorf("%d checks failed", failures)
	}
	fmt.Printf("RESULT balancers: ok (%d balancers, %d calls each, none failed)\n", len(out.Results), calls)
	return nil
}

// spread dials with one balancer, waits until every node is in its picker
// and sends calls from several goroutines, counting replies per node.
func spread(ctx context.Context, reg registry.Registry, name string, nodes []Node, calls, workers int) (Result, error) {
	res := Result{Balancer: name, Calls: make(map[string]int)}
	dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cc, err := client.Dial(dialCtx, reg, service, name)
	if err != nil {
		return res, err
	}
	defer cc.Close()
	users := userpb.NewUserServiceClient(cc)
	if err := waitAllReady(dialCtx, users, name, nodes); err != nil {
		return res, err
	}

	var mu sync.Mutex
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				callCtx, cancel := context.WithTimeout(balancer.WithHashKey(ctx, fmt.Sprintf("user-%d", i%200)), 10*time.Second)
				u, err := users.GetByID(callCtx, &userpb.GetByIDRequest{Id: int64(i + 1)})
				cancel()
				mu.Lock()
				if err != nil {
					res.Failed++
				} else {
					res.Calls[u.GetNode()]++
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < calls; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res, nil
}

// waitAllReady makes sure the balancer has a connection to every node
// before counting, so the spread does not depend on connection timing. Our
// balancers honour route.WithDirect; grpc-go's ignore it, and for them a
// few successful calls are enough (they wait for their own readiness).
func waitAllReady(ctx context.Context, users userpb.UserServiceClient, name string, nodes []Node) error {
	for _, n := range nodes {
		for {
			_, err := users.GetByID(route.WithDirect(ctx, n.Addr), &userpb.GetByIDRequest{Id: 1})
			if err == nil {
				break
			}
			if status.Code(err) != codes.Unavailable || ctx.Err() != nil {
				return fmt.Errorf("%s: node %s not reachable: %w", name, n.Name, err)
			}
			time.Sleep(2 * time.Millisecond) // bounded by ctx
		}
	}
	return nil
}

// check prints a line per verifiable property and returns how many failed.
func check(run Run) int {
	failures := 0
	report := func(ok bool, format string, args ...any) {
		verdict := "ok"
		if !ok {
			verdict = "FAILED"
			failures++
		}
		fmt.Printf("check %s: %s\n", verdict, fmt.Sprintf(format, args...))
	}
	total, failed := 0, 0
	for _, r := range run.Results {
		failed += r.Failed
		for _, n := range r.Calls {
			total += n
		}
	}
	report(failed == 0 && total == run.CallsPerBalancer*len(run.Results), "%d calls answered, %d failed", total, failed)
	sumW := 0
	for _, n := range run.Nodes {
		sumW += n.Weight
	}
	for _, r := range run.Results {
		counts := make([]string, len(run.Nodes))
		for i, n := range run.Nodes {
			counts[i] = strconv.Itoa(r.Calls[n.Name])
		}
		got := strings.Join(counts, "/")
		switch r.Balancer {
		case balancer.RoundRobin:
			report(within(r, run.Nodes, func(Node) float64 { return float64(run.CallsPerBalancer) / 3 }, 1), "%s spreads evenly: %s", r.Balancer, got)
		case balancer.WeightedRoundRobin:
			report(within(r, run.Nodes, func(n Node) float64 { return float64(run.CallsPerBalancer*n.Weight) / float64(sumW) }, 1),
				"%s follows the weights %d:%d:%d exactly: %s", r.Balancer, run.Nodes[0].Weight, run.Nodes[1].Weight, run.Nodes[2].Weight, got)
		case "pick_first":
			one := false
			for _, n := range r.Calls {
				one = one || n == run.CallsPerBalancer
			}
			report(one, "pick_first sends every call to one node: %s", got)
		case balancer.Fastest, balancer.LeastActive, balancer.LeastLoaded:
			slowest := run.Nodes[len(run.Nodes)-1]
			if slowest.Delay > 0 {
				// Timing-based, so reported but not checked.
				fmt.Printf("note: %s gave the slow %s %d of %d calls\n", r.Balancer, slowest.Name, r.Calls[slowest.Name], run.CallsPerBalancer)
			}
		}
	}
	return failures
}

// within reports whether every node's count is within tolerance of want.
func within(r Result, nodes []Node, want func(Node) float64, tolerance float64) bool {
	for _, n := range nodes {
		d := float64(r.Calls[n.Name]) - want(n)
		if d > tolerance || d < -tolerance {
			return false
		}
	}
	return true
}
