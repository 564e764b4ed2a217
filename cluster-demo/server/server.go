// Package server wraps a grpc.Server so that it registers itself in a
// registry when it starts serving and unregisters before it stops.
//
//	s := server.New(reg, "user", server.WithWeight(3), server.WithGroup("b"))
//	userpb.RegisterUserServiceServer(s.GRPC(), node.New("a"))
//	if err := s.Start(ctx, "127.0.0.1:0"); err != nil { ... }
//	defer s.GracefulStop(context.Background())
//
// Every server also speaks the standard gRPC services that tools and
// clients expect: the health service (grpc.health.v1: NOT_SERVING before
// Start and while it drains, SERVING otherwise) and reflection, so grpcurl
// can list and call it without the .proto files. It reports its load in the
// trailer of every response (package loadreport) for gee_least_loaded.
package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"cluster-demo/loadreport"
	"cluster-demo/registry"
)

// UnregisterTimeout bounds the registry call made while stopping.
const UnregisterTimeout = 5 * time.Second

// Server is a gRPC server that announces itself in a registry.
type Server struct {
	reg     registry.Registry
	service string
	weight  int
	group   string
	advert  string
	gsOpts  []grpc.ServerOption
	gs      *grpc.Server
	health  *health.Server
	load    *loadreport.Reporter

	mu      sync.Mutex
	started bool
	stopped bool
	inst    registry.ServiceInstance
	done    chan struct{}
	err     error
}

// Option configures a Server.
type Option func(*Server)

// WithWeight sets the instance weight (default 1).
func WithWeight(w int) Option { return func(s *Server) { s.weight = w } }

// WithGroup sets the instance group for group routing.
func WithGroup(g string) Option { return func(s *Server) { s.group = g } }

// WithAdvertiseAddr registers addr instead of the listener's address, for a
// server listening on 0.0.0.0 or behind a NAT.
func WithAdvertiseAddr(addr string) Option { return func(s *Server) { s.advert = addr } }

// WithGRPCOptions passes options (interceptors, credentials) to
// grpc.NewServer.
func WithGRPCOptions(opts ...grpc.ServerOption) Option {
	return func(s *Server) { s.gsOpts = append(s.gsOpts, opts...) }
}

// New returns a server for service that will register in reg. Register the
// gRPC services on GRPC() before calling Start. The health and reflection
// services are registered already, and the load reporter's interceptors
// run first, before any of WithGRPCOptions.
func New(reg registry.Registry, service string, opts ...Option) *Server {
	s := &Server{reg: reg, service: service, weight: 1, done: make(chan struct{}), load: loadreport.NewReporter()}
	for _, opt := range opts {
		opt(s)
	}
	gsOpts := append([]grpc.ServerOption{
		grpc.ChainUnaryInterceptor(s.load.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(s.load.StreamServerInterceptor()),
	}, s.gsOpts...)
	s.gs = grpc.NewServer(gsOpts...)
	s.health = health.NewServer()
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING) // until Start
	healthpb.RegisterHealthServer(s.gs, s.health)
	reflection.Register(s.gs)
	return s
}

// GRPC is the underlying grpc.Server, for registering services.
func (s *Server) GRPC() *grpc.Server { return s.gs }

// Load is the reporter that counts the server's calls in progress.
func (s *Server) Load() *loadreport.Reporter { return s.load }

// SetServing sets what the health service reports, for the server as a
// whole ("") and for every service registered on it. Clients made with
// client.Dial stop picking a server that is not serving and pick it again
// once it is; it stays registered and reachable by direct calls meanwhile.
// It has no effect once the server stops.
func (s *Server) SetServing(serving bool) {
	st := healthpb.HealthCheckResponse_NOT_SERVING
	if serving {
		st = healthpb.HealthCheckResponse_SERVING
	}
	s.health.SetServingStatus("", st)
	for name := range s.gs.GetServiceInfo() {
		if name != healthpb.Health_ServiceDesc.ServiceName {
			s.health.SetServingStatus(name, st)
		}
	}
}

// Start listens on addr ("127.0.0.1:0" picks a free port), starts serving
// in the background and then registers the instance. It returns once the
// instance is registered, so clients can call it right away.
func (s *Server) Start(ctx context.Context, addr string) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("server: listen on %s: %w", addr, err)
	}
	return s.Serve(ctx, lis)
}

// Serve is Start on an existing listener; the server owns lis afterwards.
func (s *Server) Serve(ctx context.Context, lis net.Listener) error {
	if s.reg == nil {
		lis.Close()
		return errors.New("server: no registry to register in")
	}
	s.mu.Lock()
	if s.started || s.stopped {
		s.mu.Unlock()
		lis.Close()
		return errors.New("server: already started or stopped")
	}
	s.started = true
	addr := s.advert
	if addr == "" {
		addr = lis.Addr().String()
	}
	s.inst = registry.ServiceInstance{Name: s.service, Addr: addr, Group: s.group, Weight: s.weight}
	s.mu.Unlock()

	if _, err := registry.Normalize(s.inst); err != nil {
		lis.Close()
		s.mu.Lock()
		s.err = fmt.Errorf("server: %w", err)
		s.mu.Unlock()
		close(s.done)
		return s.Err()
	}
	s.SetServing(true) // before it is announced: clients check health first
	go func() {
		err := s.gs.Serve(lis)
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
		close(s.done)
	}()
	if err := s.reg.Register(ctx, s.inst); err != nil {
		s.health.Shutdown()
		s.gs.Stop()
		<-s.done
		return fmt.Errorf("server: register %s: %w", s.inst.Addr, err)
	}
	return nil
}

// Addr is the registered address, empty before Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inst.Addr
}

// Instance is the registered instance.
func (s *Server) Instance() registry.ServiceInstance {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inst
}

// Done is closed when the server has stopped serving.
func (s *Server) Done() <-chan struct{} { return s.done }

// Err is the error serving ended with (nil after a stop), valid after Done.
func (s *Server) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// GracefulStop drains the server: it reports NOT_SERVING, so clients that
// check health stop picking it at once, unregisters the instance, so the
// others drop it too, and then lets calls in progress finish. If ctx ends
// first the remaining calls are cut off. The unregister error, if any, is
// returned.
func (s *Server) GracefulStop(ctx context.Context) error {
	s.health.Shutdown() // NOT_SERVING from now on, whatever SetServing says
	err := s.unregister(ctx)
	stopped := make(chan struct{})
	go func() {
		s.gs.GracefulStop()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-ctx.Done():
		s.gs.Stop()
		<-stopped
	}
	return err
}

// Stop unregisters the instance and closes every connection at once.
func (s *Server) Stop() error {
	s.health.Shutdown()
	err := s.unregister(context.Background())
	s.gs.Stop()
	return err
}

// Kill stops serving without unregistering, as a crash would: the registry
// still lists the instance (until an etcd lease expires). Tests and demos
// use it to show failover.
func (s *Server) Kill() {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.gs.Stop()
}

func (s *Server) unregister(ctx context.Context) error {
	s.mu.Lock()
	wasServing := s.started && !s.stopped
	s.stopped = true
	inst := s.inst
	s.mu.Unlock()
	if !wasServing {
		return nil
	}
	// Unregister even when ctx already ended: a stale entry would keep
	// clients calling a dead address.
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), UnregisterTimeout)
	defer cancel()
	if err := s.reg.Unregister(uctx, inst); err != nil {
		return fmt.Errorf("server: unregister %s: %w", inst.Addr, err)
	}
	return nil
}
