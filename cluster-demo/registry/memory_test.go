package registry_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"cluster-demo/registry"
)

var bg = context.Background()

func TestRegisterListSortedAndUpdates(t *testing.T) {
	m := registry.NewMemory()
	defer m.Close()
	for _, inst := range []registry.ServiceInstance{
		{Name: "user", Addr: "10.0.0.2:80", Weight: 2},
		{Name: "user", Addr: "10.0.0.1:80", Group: "b"},
		{Name: "order", Addr: "10.0.0.9:80"},
		{Name: "user", Addr: "10.0.0.2:80", Weight: 7}, // same address: update
	} {
		if err := m.Register(bg, inst); err != nil {
			t.Fatal(err)
		}
	}
	got, err := m.List(bg, "user")
	if err != nil {
		t.Fatal(err)
	}
	want := []registry.ServiceInstance{
		{Name: "user", Addr: "10.0.0.1:80", Group: "b", Weight: 1}, // weight 0 became 1
		{Name: "user", Addr: "10.0.0.2:80", Weight: 7},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("List = %+v, want %+v", got, want)
	}
	if err := m.Unregister(bg, registry.ServiceInstance{Name: "user", Addr: "10.0.0.1:80"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Unregister(bg, registry.ServiceInstance{Name: "user", Addr: "10.0.0.1:80"}); err != nil {
		t.Fatalf("second unregister: %v, want nil", err)
	}
	if got, _ := m.List(bg, "user"); len(got) != 1 || got[0].Addr != "10.0.0.2:80" {
		t.Fatalf("after unregister List = %+v", got)
	}
	if got, _ := m.List(bg, "nobody"); got == nil || len(got) != 0 {
		t.Fatalf("List of unknown service = %#v, want empty non-nil", got)
	}
}

func TestRegisterRejectsBadInstances(t *testing.T) {
	m := registry.NewMemory()
	defer m.Close()
	for _, tc := range []struct {
		inst registry.ServiceInstance
		msg  string
	}{
		{registry.ServiceInstance{Addr: "a:1"}, "without a service name"},
		{registry.ServiceInstance{Name: "user"}, "without an address"},
		{registry.ServiceInstance{Name: "user", Addr: "a:1", Weight: -1}, "weight -1"},
		{registry.ServiceInstance{Name: "user", Addr: "a:1", Weight: registry.MaxWeight + 1}, "weight"},
	} {
		err := m.Register(bg, tc.inst)
		if err == nil || !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "registry: ") {
			t.Errorf("Register(%+v) = %v, want an error containing %q", tc.inst, err, tc.msg)
		}
	}
	if got, _ := m.List(bg, "user"); len(got) != 0 {
		t.Errorf("bad instances were stored: %+v", got)
	}
}

func recv(t *testing.T, ch <-chan []registry.ServiceInstance) []registry.ServiceInstance {
	t.Helper()
	select {
	case list, ok := <-ch:
		if !ok {
			t.Fatal("subscription closed")
		}
		return list
	case <-time.After(5 * time.Second):
		t.Fatal("no update within 5s")
		return nil
	}
}

func addrs(list []registry.ServiceInstance) string {
	var s []string
	for _, inst := range list {
		s = append(s, inst.Addr)
	}
	return strings.Join(s, ",")
}

func TestSubscribeSendsCurrentListThenChanges(t *testing.T) {
	m := registry.NewMemory()
	defer m.Close()
	m.Register(bg, registry.ServiceInstance{Name: "user", Addr: "a:1"})
	ctx, cancel := context.WithCancel(bg)
	ch, err := m.Subscribe(ctx, "user")
	if err != nil {
		t.Fatal(err)
	}
	if got := addrs(recv(t, ch)); got != "a:1" {
		t.Fatalf("first list %q, want a:1", got)
	}
	m.Register(bg, registry.ServiceInstance{Name: "user", Addr: "b:1"})
	if got := addrs(recv(t, ch)); got != "a:1,b:1" {
		t.Fatalf("after register %q", got)
	}
	m.Register(bg, registry.ServiceInstance{Name: "other", Addr: "x:1"}) // not ours
	m.Unregister(bg, registry.ServiceInstance{Name: "user", Addr: "a:1"})
	if got := addrs(recv(t, ch)); got != "b:1" {
		t.Fatalf("after unregister %q", got)
	}
	cancel()
	for range ch { // drains and ends: cancel closes the channel
	}
}

func TestSlowSubscriberGetsLatestList(t *testing.T) {
	m := registry.NewMemory()
	defer m.Close()
	ch, err := m.Subscribe(bg, "user")
	if err != nil {
		t.Fatal(err)
	}
	// Nobody reads while 100 changes happen; Register must not block.
	for i := 0; i < 100; i++ {
		m.Register(bg, registry.ServiceInstance{Name: "user", Addr: "a:1", Weight: i + 1})
	}
	got := recv(t, ch)
	if len(got) != 1 || got[0].Weight != 100 {
		t.Fatalf("slow reader got %+v, want the latest (weight 100)", got)
	}
	select {
	case extra := <-ch:
		t.Fatalf("stale list delivered after the latest: %+v", extra)
	default:
	}
}

func TestCloseEndsSubscriptionsAndRefusesWork(t *testing.T) {
	m := registry.NewMemory()
	ch, _ := m.Subscribe(bg, "user")
	recv(t, ch)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-ch; ok {
		t.Fatal("channel still open after Close")
	}
	if err := m.Register(bg, registry.ServiceInstance{Name: "user", Addr: "a:1"}); !errors.Is(err, registry.ErrClosed) {
		t.Errorf("Register after Close = %v, want ErrClosed", err)
	}
	if _, err := m.List(bg, "user"); !errors.Is(err, registry.ErrClosed) {
		t.Errorf("List after Close = %v, want ErrClosed", err)
	}
	if _, err := m.Subscribe(bg, "user"); !errors.Is(err, registry.ErrClosed) {
		t.Errorf("Subscribe after Close = %v, want ErrClosed", err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

func ExampleMemory() {
	reg := registry.NewMemory()
	defer reg.Close()
	ctx := context.Background()
	reg.Register(ctx, registry.ServiceInstance{Name: "user", Addr: "127.0.0.1:9002", Weight: 3})
	reg.Register(ctx, registry.ServiceInstance{Name: "user", Addr: "127.0.0.1:9001", Group: "b"})
	insts, _ := reg.List(ctx, "user")
	for _, inst := range insts {
		fmt.Printf("%s weight=%d group=%q\n", inst.Addr, inst.Weight, inst.Group)
	}
	// Output:
	// 127.0.0.1:9001 weight=1 group="b"
	// 127.0.0.1:9002 weight=3 group=""
}
