package registry

import (
	"context"
	"errors"
	"sync"
)

// Memory is a Registry kept in process memory. The zero value is not usable;
// call NewMemory. It is safe for concurrent use.
type Memory struct {
	mu       sync.Mutex
	closed   bool
	services map[string]map[string]ServiceInstance // service -> addr -> instance
	subs     map[string]map[*Feed]struct{}         // service -> subscriptions
}

// NewMemory returns an empty in-memory registry.
func NewMemory() *Memory {
	return &Memory{
		services: make(map[string]map[string]ServiceInstance),
		subs:     make(map[string]map[*Feed]struct{}),
	}
}

// Register implements Registry.
func (m *Memory) Register(ctx context.Context, inst ServiceInstance) error {
	inst, err := Normalize(inst)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	insts := m.services[inst.Name]
	if insts == nil {
		insts = make(map[string]ServiceInstance)
		m.services[inst.Name] = insts
	}
	insts[inst.Addr] = inst
	m.notifyLocked(inst.Name)
	return nil
}

// Unregister implements Registry.
func (m *Memory) Unregister(ctx context.Context, inst ServiceInstance) error {
	if inst.Name == "" || inst.Addr == "" {
		return errors.New("registry: unregister needs a service name and an address")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if _, ok := m.services[inst.Name][inst.Addr]; !ok {
		return nil
	}
	delete(m.services[inst.Name], inst.Addr)
	m.notifyLocked(inst.Name)
	return nil
}

// List implements Registry.
func (m *Memory) List(ctx context.Context, service string) ([]ServiceInstance, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	return m.listLocked(service), nil
}

// Subscribe implements Registry.
func (m *Memory) Subscribe(ctx context.Context, service string) (<-chan []ServiceInstance, error) {
	if service == "" {
		return nil, errors.New("registry: subscribe needs a service name")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	sub := NewFeed()
	if m.subs[service] == nil {
		m.subs[service] = make(map[*Feed]struct{})
	}
	m.subs[service][sub] = struct{}{}
	sub.Send(m.listLocked(service))
	context.AfterFunc(ctx, func() {
		m.mu.Lock()
		delete(m.subs[service], sub)
		m.mu.Unlock()
		sub.Close()
	})
	return sub.C(), nil
}

// Close implements Registry. It ends every subscription.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	for _, subs := range m.subs {
		for sub := range subs {
			sub.Close()
		}
	}
	m.subs = nil
	return nil
}

func (m *Memory) listLocked(service string) []ServiceInstance {
	insts := make([]ServiceInstance, 0, len(m.services[service]))
	for _, inst := range m.services[service] {
		insts = append(insts, inst)
	}
	SortInstances(insts)
	return insts
}

func (m *Memory) notifyLocked(service string) {
	if len(m.subs[service]) == 0 {
		return
	}
	list := m.listLocked(service)
	for sub := range m.subs[service] {
		// Each subscriber gets its own copy so a reader may keep or change it.
		sub.Send(append([]ServiceInstance(nil), list...))
	}
}
