package consistenthash

import "testing"

func TestGetWithTheDefaultHashDoesNotAllocate(t *testing.T) {
	m := New(50, nil)
	m.Add("http://127.0.0.1:8001", "http://127.0.0.1:8002", "http://127.0.0.1:8003")
	key := string([]byte("some key")) // a heap string, as keys usually are
	if n := testing.AllocsPerRun(1000, func() { m.Get(key) }); n != 0 {
		t.Fatalf("Get allocates %.1f times; want 0", n)
	}
}
