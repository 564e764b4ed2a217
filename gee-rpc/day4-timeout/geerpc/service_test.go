package geerpc

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
)

// Regression: the well-known version registered a method whose reply was
// not a pointer and crashed when it was called.
func TestRegisterSkipsMethodsThatBreakTheRules(t *testing.T) {
	server, _, logs := newTestServer(t)
	svci, _ := server.serviceMap.Load("Foo")
	svc := svci.(*service)
	got := slices.Sorted(maps.Keys(svc.method))
	want := []string{"Count", "Fail", "Panic", "PtrSum", "Sum"}
	if !slices.Equal(got, want) {
		t.Fatalf("registered %v, want %v", got, want)
	}
	for _, line := range []string{
		"geerpc: register Foo.NotPointerReply: skipped, the reply must be a pointer",
		"geerpc: register Foo.WrongResult: skipped, the result must be error",
		"geerpc: register Foo.OneArg: skipped, want two arguments and one result",
	} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("log lacks %q; log:\n%s", line, logs)
		}
	}
}

type unexported int

func (unexported) Sum(args Args, reply *int) error { return nil }

// Empty has no usable method.
type Empty struct{}

// Bare has its method on the pointer, so only a *Bare can be registered.
type Bare struct{}

// Sum adds.
func (*Bare) Sum(args Args, reply *int) error { return nil }

func TestRegisterErrors(t *testing.T) {
	server := NewServer()
	server.logger = nil
	if err := server.Register(new(Foo)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		rcvr any
		want string
	}{
		{"nil", nil, "nil receiver"},
		{"nil pointer", (*Foo)(nil), "nil *geerpc.Foo receiver"},
		{"unexported", unexported(0), "not an exported type name"},
		{"no methods", Empty{}, "has no method of the form func(args T, reply *R) error"},
		{"value of a pointer-method type", Bare{}, "(hint: pass a pointer to the value"},
		{"duplicate", new(Foo), "service already defined: Foo"},
	}
	for _, tc := range cases {
		err := server.Register(tc.rcvr)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "geerpc: ") {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// The pointer hint appears only where a pointer would have helped.
func TestRegisterHintsAtPointerOnlyWhenItHelps(t *testing.T) {
	server := NewServer()
	if err := server.Register(Empty{}); err == nil || strings.Contains(err.Error(), "hint") {
		t.Fatalf("Empty{}: err = %v, want no hint", err)
	}
	if err := server.Register(new(Bare)); err != nil {
		t.Fatalf("*Bare: %v", err)
	}
}

func TestRegisterNameServesUnderThatName(t *testing.T) {
	server, addr, _ := newTestServer(t)
	if err := server.RegisterName("math.v2", new(Foo)); err != nil {
		t.Fatal(err)
	}
	if err := server.RegisterName("math.v2", new(Foo)); err == nil || !strings.Contains(err.Error(), "already defined: math.v2") {
		t.Fatalf("second RegisterName: err = %v", err)
	}
	if err := server.RegisterName("", new(Foo)); err == nil || !strings.Contains(err.Error(), "no service name") {
		t.Fatalf("empty name: err = %v", err)
	}
	client := dialTest(t, addr, nil)
	for _, method := range []string{"math.v2.Sum", "Foo.Sum"} {
		var reply int
		if err := client.Call(context.Background(), method, Args{1, 2}, &reply); err != nil || reply != 3 {
			t.Fatalf("%s: %d, %v", method, reply, err)
		}
	}
}

func TestRegisterOnDefaultServer(t *testing.T) {
	// DefaultServer outlives one run of the test (go test -count=2).
	if err := Register(Calc{}); err != nil && !strings.Contains(err.Error(), "already defined") {
		t.Fatal(err)
	}
	if _, _, err := DefaultServer.findService("Calc.Add"); err != nil {
		t.Fatal(err)
	}
}

func TestRegisterNameOnDefaultServer(t *testing.T) {
	// DefaultServer outlives one run of the test (go test -count=2).
	if err := RegisterName("geerpc.test", new(Foo)); err != nil && !strings.Contains(err.Error(), "already defined") {
		t.Fatal(err)
	}
	if _, _, err := DefaultServer.findService("geerpc.test.Sum"); err != nil {
		t.Fatal(err)
	}
}

// Regression: a request for an unknown method left its body unread, so the
// body was parsed as the next header and the connection broke.
func TestUnknownServiceOrMethodKeepsConnectionUsable(t *testing.T) {
	_, addr, _ := newTestServer(t)
	for _, ct := range codecTypes {
		t.Run(string(ct), func(t *testing.T) {
			client := dialTest(t, addr, &Option{CodecType: ct})
			for _, tc := range []struct{ method, want string }{
				{"Bar.Sum", `can't find service "Bar"`},
				{"Foo.Nope", `can't find method "Foo.Nope"`},
				{"FooSum", "ill-formed"},
				{"Foo.Sum.Extra", `can't find service "Foo.Sum"`},
			} {
				var reply int
				err := client.Call(context.Background(), tc.method, Args{1, 2}, &reply)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("%s: err = %v, want %q", tc.method, err, tc.want)
				}
				if err := client.Call(context.Background(), "Foo.Sum", Args{1, 2}, &reply); err != nil || reply != 3 {
					t.Fatalf("after %s: %d, %v", tc.method, reply, err)
				}
			}
		})
	}
}

func TestWrongArgumentTypeKeepsConnectionUsable(t *testing.T) {
	_, addr, _ := newTestServer(t)
	for _, ct := range codecTypes {
		t.Run(string(ct), func(t *testing.T) {
			client := dialTest(t, addr, &Option{CodecType: ct})
			var reply int
			err := client.Call(context.Background(), "Foo.Sum", "not args", &reply)
			if err == nil || !strings.Contains(err.Error(), "read body") {
				t.Fatalf("err = %v, want a read body error", err)
			}
			if err := client.Call(context.Background(), "Foo.Sum", Args{2, 3}, &reply); err != nil || reply != 5 {
				t.Fatalf("next call: %d, %v", reply, err)
			}
		})
	}
}

// Regression: a panic in a service method killed the server process.
func TestPanicInMethodBecomesErrorResponse(t *testing.T) {
	_, addr, logs := newTestServer(t)
	client := dialTest(t, addr, nil)
	var reply int
	err := client.Call(context.Background(), "Foo.Panic", Args{}, &reply)
	if err == nil || err.Error() != "geerpc: Foo.Panic panicked: foo: boom" {
		t.Fatalf("err = %v", err)
	}
	waitForLog(t, logs, "Foo.Panic panicked")
	if err := client.Call(context.Background(), "Foo.Sum", Args{1, 2}, &reply); err != nil || reply != 3 {
		t.Fatalf("server unusable after a panic: %d, %v", reply, err)
	}
}

func TestEveryCodecCallsServices(t *testing.T) {
	_, addr, _ := newTestServer(t)
	for _, ct := range codecTypes {
		t.Run(string(ct), func(t *testing.T) {
			client := dialTest(t, addr, &Option{CodecType: ct})
			var sum int
			if err := client.Call(context.Background(), "Foo.PtrSum", &Args{4, 5}, &sum); err != nil || sum != 9 {
				t.Fatalf("PtrSum: %d, %v", sum, err)
			}
			var counts map[string]int
			if err := client.Call(context.Background(), "Foo.Count", "abca", &counts); err != nil {
				t.Fatal(err)
			}
			if counts["a"] != 2 || counts["b"] != 1 || counts["c"] != 1 {
				t.Fatalf("Count: %v", counts)
			}
		})
	}
}

func TestCallCountsPerMethod(t *testing.T) {
	server, addr, _ := newTestServer(t)
	client := dialTest(t, addr, nil)
	for range 3 {
		if err := client.Call(context.Background(), "Foo.Sum", Args{1, 1}, new(int)); err != nil {
			t.Fatal(err)
		}
	}
	_ = client.Call(context.Background(), "Foo.Fail", Args{}, new(int))
	svci, _ := server.serviceMap.Load("Foo")
	methods := svci.(*service).method
	for name, want := range map[string]uint64{"Sum": 3, "Fail": 1, "PtrSum": 0} {
		if got := methods[name].NumCalls(); got != want {
			t.Errorf("%s: NumCalls = %d, want %d", name, got, want)
		}
	}
}
