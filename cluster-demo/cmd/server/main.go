// Command server runs one UserService server on its own, for standard gRPC
// tools (grpcurl, ghz) and for clusters made of separate processes. It
// speaks gRPC health checking and reflection (package server), registers in
// the in-memory registry or in etcd, and stops cleanly on SIGTERM or
// Ctrl-C: it reports NOT_SERVING, unregisters, lets the calls in progress
// finish (for at most -drain), and exits 0.
//
//	go run ./cluster-demo/cmd/server -addr 127.0.0.1:50051
//	grpcurl -plaintext 127.0.0.1:50051 list
//	go run ./cluster-demo/cmd/server -registry etcd -etcd http://127.0.0.1:2379 -weight 3 -group B
//
// It prints "listening on <addr>" once the server serves and is registered.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"

	"cluster-demo/node"
	"cluster-demo/ratelimit"
	"cluster-demo/registry"
	"cluster-demo/registry/etcdregistry"
	"cluster-demo/server"
	"cluster-demo/userpb"
)

func main() {
	ctx, stop := signalContext()
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// signalContext ends on SIGTERM or Ctrl-C.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
}

// config is what the flags say.
type config struct {
	addr, advertise, service, name  string
	registry, etcd                  string
	weight                          int
	group                           string
	limiter                         string
	limit                           int
	per, delay, drain, registerWait time.Duration
}

func parse(args []string, errOut io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:0", "address to listen on (port 0 picks a free one)")
	fs.StringVar(&c.advertise, "advertise", "", "address to register instead of the listener's (behind NAT, or listening on 0.0.0.0)")
	fs.StringVar(&c.service, "service", "user", "service name to register under")
	fs.StringVar(&c.name, "name", "node-1", "node name put in every reply")
	fs.StringVar(&c.registry, "registry", "memory", "registry: memory (this process only) or etcd")
	fs.StringVar(&c.etcd, "etcd", "http://127.0.0.1:2379", "etcd endpoints, comma-separated (with -registry etcd)")
	fs.IntVar(&c.weight, "weight", 1, "instance weight for weighted balancers")
	fs.StringVar(&c.group, "group", "", "instance group for group routing")
	fs.StringVar(&c.limiter, "limiter", "none", "rate limiter: none, token, leaky, fixed or sliding")
	fs.IntVar(&c.limit, "limit", 100, "calls the limiter lets through per -per (token and leaky: capacity, one more every -per/limit)")
	fs.DurationVar(&c.per, "per", time.Second, "the limiter's period")
	fs.DurationVar(&c.delay, "delay", 0, "time every call takes, to play a slow node")
	fs.DurationVar(&c.drain, "drain", 10*time.Second, "how long a stop waits for calls in progress")
	fs.DurationVar(&c.registerWait, "register-timeout", 10*time.Second, "how long to wait for the registry at start")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: server [flags]

Runs one UserService server with gRPC health checking and reflection,
registered in a registry, until SIGTERM or Ctrl-C. Prints "listening on
<addr>" when it serves. Try: grpcurl -plaintext <addr> list

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("server: unexpected arguments %q", fs.Args())
	}
	if c.registry != "memory" && c.registry != "etcd" {
		return c, fmt.Errorf("server: -registry %q, want memory or etcd", c.registry)
	}
	if c.limit < 1 || c.per <= 0 || c.delay < 0 || c.drain < 0 || c.registerWait <= 0 {
		return c, errors.New("server: need -limit >= 1, -per > 0, -delay >= 0, -drain >= 0, -register-timeout > 0")
	}
	return c, nil
}

// newLimiter builds the limiter -limiter names, nil for none.
func newLimiter(c config) (ratelimit.Limiter, error) {
	every := c.per / time.Duration(c.limit)
	switch c.limiter {
	case "none":
		return nil, nil
	case "token":
		return ratelimit.NewTokenBucket(c.limit, every)
	case "leaky":
		return ratelimit.NewLeakyBucket(c.limit, every)
	case "fixed":
		return ratelimit.NewFixedWindow(c.limit, c.per)
	case "sliding":
		return ratelimit.NewSlidingWindow(c.limit, c.per)
	}
	return nil, fmt.Errorf("server: -limiter %q, want none, token, leaky, fixed or sliding", c.limiter)
}

// openRegistry opens the registry -registry names.
func openRegistry(c config) (registry.Registry, error) {
	if c.registry == "memory" {
		return registry.NewMemory(), nil
	}
	var endpoints []string
	for _, ep := range strings.Split(c.etcd, ",") {
		if ep = strings.TrimSpace(ep); ep != "" {
			endpoints = append(endpoints, ep)
		}
	}
	if len(endpoints) == 0 {
		return nil, errors.New("server: -registry etcd needs -etcd endpoints")
	}
	return etcdregistry.Dial(endpoints)
}

// run serves until ctx ends and returns the exit status: 0 after a clean
// stop, 1 when the server could not start or stop cleanly, 2 for bad flags.
func run(ctx context.Context, args []string, out, errOut io.Writer) int {
	c, err := parse(args, errOut)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(errOut, err)
		return 2
	}
	limiter, err := newLimiter(c)
	if err != nil {
		fmt.Fprintln(errOut, err)
		return 2
	}
	reg, err := openRegistry(c)
	if err != nil {
		fmt.Fprintln(errOut, err)
		return 1
	}
	defer reg.Close()

	opts := []server.Option{server.WithWeight(c.weight), server.WithGroup(c.group), server.WithAdvertiseAddr(c.advertise)}
	if limiter != nil {
		opts = append(opts, server.WithGRPCOptions(
			grpc.ChainUnaryInterceptor(ratelimit.UnaryServerInterceptor(limiter)),
			grpc.ChainStreamInterceptor(ratelimit.StreamServerInterceptor(limiter))))
	}
	s := server.New(reg, c.service, opts...)
	userpb.RegisterUserServiceServer(s.GRPC(), node.New(c.name, node.WithDelay(c.delay)))
	startCtx, cancel := context.WithTimeout(ctx, c.registerWait)
	err = s.Start(startCtx, c.addr)
	cancel()
	if err != nil {
		fmt.Fprintln(errOut, err)
		return 1
	}
	inst := s.Instance()
	limiterName := "none"
	if limiter != nil {
		limiterName = limiter.Name()
	}
	fmt.Fprintf(out, "listening on %s (service %s, node %s, weight %d, group %q, registry %s, limiter %s)\n",
		inst.Addr, inst.Name, c.name, inst.Weight, inst.Group, c.registry, limiterName)

	select {
	case <-ctx.Done():
	case <-s.Done(): // serving failed on its own
		fmt.Fprintf(errOut, "server: stopped serving: %v\n", s.Err())
		return 1
	}
	fmt.Fprintf(out, "stopping: NOT_SERVING, unregistering, waiting up to %v for calls in progress\n", c.drain)
	stopCtx, cancel := context.WithTimeout(context.Background(), c.drain)
	defer cancel()
	if err := s.GracefulStop(stopCtx); err != nil {
		fmt.Fprintln(errOut, err)
		return 1
	}
	fmt.Fprintln(out, "stopped")
	return 0
}
