// Command failover shows failover on real gRPC: three UserService servers on
// loopback registered in the in-memory registry, a round-robin client with
// the cluster.Failover interceptor, and one server killed (as a crash: it
// stays registered) halfway through. Every call must still succeed.
//
//	go run ./cluster-demo/cmd/failover                    # failover, must print "RESULT failover: ok"
//	go run ./cluster-demo/cmd/failover -strategy failfast  # the same crash without retries
//
// It exits with status 1 if a call fails under failover, or if the kill did
// not happen while the victim was serving.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"google.golang.org/grpc"

	"cluster-demo/balancer"
	"cluster-demo/client"
	"cluster-demo/cluster"
	"cluster-demo/node"
	"cluster-demo/registry"
	"cluster-demo/server"
	"cluster-demo/userpb"
)

const service = "user"

func main() {
	calls := flag.Int("calls", 600, "calls to make in total")
	workers := flag.Int("workers", 6, "concurrent callers")
	killAfter := flag.Int("kill-after", 200, "kill the victim after this many calls have finished")
	delay := flag.Duration("delay", 2*time.Millisecond, "time each server takes per call, so calls are in flight when the victim dies")
	strategy := flag.String("strategy", "failover", "cluster strategy: failover or failfast")
	host := flag.String("host", "127.0.0.1", "interface the servers listen on (ports are picked free)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), `Usage: failover [flags]

Starts three servers on loopback, calls them round robin through the chosen
cluster strategy and kills node-2 mid-run. With -strategy failover every call
must succeed (exit status 1 otherwise); -strategy failfast shows what the same
crash costs without retries.

`)
		flag.PrintDefaults()
	}
	flag.Parse()
	if *calls < 1 || *workers < 1 || *killAfter < 0 || *killAfter >= *calls {
		fmt.Fprintln(os.Stderr, "failover: need calls >= 1, workers >= 1 and 0 <= kill-after < calls")
		os.Exit(2)
	}
	if *strategy != "failover" && *strategy != "failfast" {
		fmt.Fprintf(os.Stderr, "failover: unknown strategy %q (want failover or failfast)\n", *strategy)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ok, err := run(ctx, *strategy, *host, *calls, *workers, *killAfter, *delay)
	if err != nil {
		fmt.Fprintln(os.Stderr, "failover:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

// member is one running server.
type member struct {
	node *node.Node
	srv  *server.Server
}

func run(ctx context.Context, strategy, host string, calls, workers, killAfter int, delay time.Duration) (bool, error) {
	reg := registry.NewMemory()
	defer reg.Close()

	names := []string{"node-1", "node-2", "node-3"}
	members := map[string]*member{}
	byAddr := map[string]string{}
	for _, name := range names {
		n := node.New(name, node.WithDelay(delay))
		s := server.New(reg, service)
		userpb.RegisterUserServiceServer(s.GRPC(), n)
		if err := s.Start(ctx, host+":0"); err != nil {
			return false, err
		}
		defer s.Stop()
		members[name] = &member{node: n, srv: s}
		byAddr[s.Addr()] = name
		fmt.Printf("started %s on %s\n", name, s.Addr())
	}

	var retries atomic.Int64
	var interceptor grpc.UnaryClientInterceptor
	if strategy == "failover" {
		fo, err := cluster.NewFailover(
			cluster.WithIdempotent(userpb.UserService_GetByID_FullMethodName), // a read: safe to repeat
			cluster.WithMaxAttempts(3),
			cluster.WithBackoff(5*time.Millisecond, 50*time.Millisecond),
			cluster.WithObserver(func(a cluster.Attempt) {
				if a.Retry {
					retries.Add(1)
					fmt.Printf("  retry: attempt %d on %s failed (%v), next attempt avoids it\n", a.Number, byAddr[a.Addr], shortErr(a.Err))
				}
			}))
		if err != nil {
			return false, err
		}
		interceptor = fo.UnaryClientInterceptor()
	} else {
		interceptor = cluster.FailFast()
	}
	dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cc, err := client.Dial(dialCtx, reg, service, balancer.RoundRobin, grpc.WithChainUnaryInterceptor(interceptor))
	if err != nil {
		return false, err
	}
	defer cc.Close()
	users := userpb.NewUserServiceClient(cc)
	fmt.Printf("calling %q %d times from %d workers, round robin, strategy %s\n", service, calls, workers, strategy)

	var (
		next, done   atomic.Int64
		failed       atomic.Int64
		killOnce     sync.Once
		victimBefore int64
		mu           sync.Mutex
		servedBy     = map[string]int{}
		firstFailure error
		victim       = members["node-2"]
		wg           sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := next.Add(1)
				if i > int64(calls) {
					return
				}
				u, err := users.GetByID(ctx, &userpb.GetByIDRequest{Id: i})
				mu.Lock()
				if err != nil {
					failed.Add(1)
					if firstFailure == nil {
						firstFailure = err
					}
				} else {
					servedBy[u.GetNode()]++
				}
				mu.Unlock()
				if done.Add(1) == int64(killAfter) {
					killOnce.Do(func() {
						victimBefore = victim.node.Calls()
						fmt.Printf("killing node-2 (%s) after %d calls: it crashes without unregistering\n", victim.srv.Addr(), killAfter)
						victim.srv.Kill()
					})
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("interrupted: %w", err)
	}

	fmt.Printf("calls: %d ok, %d failed\n", int64(calls)-failed.Load(), failed.Load())
	if firstFailure != nil {
		fmt.Printf("first failure: %v\n", firstFailure)
	}
	fmt.Printf("retries on another node: %d\n", retries.Load())
	served := make([]string, 0, len(servedBy))
	for name, n := range servedBy {
		served = append(served, fmt.Sprintf("%s=%d", name, n))
	}
	sort.Strings(served)
	fmt.Printf("answers by node: %s\n", strings.Join(served, " "))

	if strategy == "failfast" {
		fmt.Printf("RESULT failfast: %d of %d calls failed when node-2 crashed (no retries)\n", failed.Load(), calls)
		return true, nil
	}
	switch {
	case victimBefore == 0:
		fmt.Println("RESULT failover: FAILED (node-2 served nothing before the kill; nothing was shown)")
		return false, nil
	case failed.Load() > 0:
		fmt.Printf("RESULT failover: FAILED (%d calls failed)\n", failed.Load())
		return false, nil
	}
	fmt.Printf("RESULT failover: ok (%d/%d calls succeeded, node-2 killed mid-run)\n", calls, calls)
	return true, nil
}

// shortErr keeps the gRPC code and the start of the message.
func shortErr(err error) string {
	s := err.Error()
	if len(s) > 90 {
		s = s[:90] + "..."
	}
	return s
}
