// Command ratelimit shows the four limiters of package ratelimit on real
// gRPC: for each one it starts a UserService server on loopback with the
// limiter's server interceptor, fires a burst of concurrent calls at it and
// prints how many passed and how many were rejected with
// codes.ResourceExhausted.
//
//	go run ./cluster-demo/cmd/ratelimit    # must print "RESULT ratelimit: ok"
//
// Every limiter allows -limit calls per period, with periods long enough
// that a burst fits in one; each must let exactly -limit calls through. The
// leaky bucket lets them out one per -leak instead of all at once. Exit
// status 1 if a count is wrong.
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
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cluster-demo/balancer"
	"cluster-demo/client"
	"cluster-demo/node"
	"cluster-demo/ratelimit"
	"cluster-demo/registry"
	"cluster-demo/server"
	"cluster-demo/userpb"
)

func main() {
	burst := flag.Int("burst", 20, "concurrent calls fired at each limiter")
	limit := flag.Int("limit", 5, "calls each limiter allows per period")
	leak := flag.Duration("leak", 250*time.Millisecond, "leaky bucket: one call goes out every leak")
	host := flag.String("host", "127.0.0.1", "interface the servers listen on (ports are picked free)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), `Usage: ratelimit [flags]

For each limiter (token bucket, leaky bucket, fixed window, sliding window)
starts a server on loopback behind ratelimit.UnaryServerInterceptor, fires a
burst of concurrent calls and prints passed/rejected. Exit status 1 unless
every limiter lets exactly -limit calls through.

`)
		flag.PrintDefaults()
	}
	flag.Parse()
	if *burst < 1 || *limit < 1 || *leak <= 0 {
		fmt.Fprintln(os.Stderr, "ratelimit: need burst >= 1, limit >= 1 and leak > 0")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ok, err := run(ctx, *host, *burst, *limit, *leak)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ratelimit:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

func run(ctx context.Context, host string, burst, limit int, leak time.Duration) (bool, error) {
	// Periods are long so the whole burst falls into one: the counts are
	// then exact however slow the machine is.
	tb, err := ratelimit.NewTokenBucket(limit, time.Minute)
	if err != nil {
		return false, err
	}
	lb, err := ratelimit.NewLeakyBucket(limit, leak)
	if err != nil {
		return false, err
	}
	fw, err := ratelimit.NewFixedWindow(limit, time.Hour)
	if err != nil {
		return false, err
	}
	sw, err := ratelimit.NewSlidingWindow(limit, time.Hour)
	if err != nil {
		return false, err
	}
	fmt.Printf("a burst of %d concurrent GetByID calls against one server per limiter\n", burst)

	reg := registry.NewMemory()
	defer reg.Close()
	allOK := true
	for i, l := range []ratelimit.Limiter{tb, lb, fw, sw} {
		res, err := hit(ctx, reg, fmt.Sprintf("user-%d", i), host, l, burst)
		if err != nil {
			return false, err
		}
		fmt.Printf("%s: passed %d, rejected %d\n", l.Name(), res.passed, res.rejected)
		if res.firstRejection != "" {
			fmt.Printf("  a rejected call got: %s\n", res.firstRejection)
		}
		if l == lb {
			fmt.Printf("  passed calls finished at %s (one per %v: the burst is smoothed out)\n", strings.Join(res.offsets, " "), leak)
		}
		want := min(limit, burst)
		if res.passed != want || res.rejected != burst-want || res.other != 0 {
			fmt.Printf("  WRONG: want passed %d, rejected %d, other errors 0 (got %d other)\n", want, burst-want, res.other)
			allOK = false
		}
	}
	if !allOK {
		fmt.Println("RESULT ratelimit: FAILED")
		return false, nil
	}
	fmt.Printf("RESULT ratelimit: ok (4 limiters, each let %d of %d through and rejected the rest with ResourceExhausted)\n", min(limit, burst), burst)
	return true, nil
}

type result struct {
	passed, rejected, other int
	firstRejection          string
	offsets                 []string // when passed calls finished, from the start of the burst
}

// hit starts a server behind l, fires burst concurrent calls at it and
// stops the server again.
func hit(ctx context.Context, reg registry.Registry, service, host string, l ratelimit.Limiter, burst int) (result, error) {
	s := server.New(reg, service, server.WithGRPCOptions(
		grpc.ChainUnaryInterceptor(ratelimit.UnaryServerInterceptor(l)),
		grpc.ChainStreamInterceptor(ratelimit.StreamServerInterceptor(l)),
	))
	userpb.RegisterUserServiceServer(s.GRPC(), node.New(service))
	if err := s.Start(ctx, host+":0"); err != nil {
		return result{}, err
	}
	defer s.Stop()
	dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cc, err := client.Dial(dialCtx, reg, service, balancer.RoundRobin)
	if err != nil {
		return result{}, err
	}
	defer cc.Close()
	users := userpb.NewUserServiceClient(cc)

	callCtx, cancelCalls := context.WithTimeout(ctx, time.Minute)
	defer cancelCalls()
	var (
		mu       sync.Mutex
		res      result
		finished []time.Duration
		wg       sync.WaitGroup
		startAll = make(chan struct{})
	)
	start := time.Now()
	for i := range burst {
		wg.Go(func() {
			<-startAll // release the whole burst together
			_, err := users.GetByID(callCtx, &userpb.GetByIDRequest{Id: int64(i + 1)})
			mu.Lock()
			defer mu.Unlock()
			switch status.Code(err) {
			case codes.OK:
				res.passed++
				finished = append(finished, time.Since(start))
			case codes.ResourceExhausted:
				res.rejected++
				if res.firstRejection == "" {
					res.firstRejection = err.Error()
				}
			default:
				res.other++
				fmt.Printf("  unexpected error: %v\n", err)
			}
		})
	}
	start = time.Now()
	close(startAll)
	wg.Wait()
	sort.Slice(finished, func(i, j int) bool { return finished[i] < finished[j] })
	for _, d := range finished {
		res.offsets = append(res.offsets, "+"+d.Round(10*time.Millisecond).String())
	}
	return res, nil
}
