package consistenthash

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// digits hashes "6#2" to 62 and "23" to 23: the ring is readable by eye.
func digits(b []byte) uint32 {
	n, err := strconv.Atoi(strings.ReplaceAll(string(b), "#", ""))
	if err != nil {
		panic(err)
	}
	return uint32(n)
}

func TestGetWalksClockwise(t *testing.T) {
	m := New(3, digits)
	m.Add("6", "4", "2") // points 20 21 22, 40 41 42, 60 61 62
	cases := map[string]string{"2": "2", "11": "2", "21": "2", "23": "4", "45": "6", "62": "6", "63": "2"}
	for k, want := range cases {
		if got := m.Get(k); got != want {
			t.Errorf("Get(%s) = %s; want %s", k, got, want)
		}
	}
	m.Add("8") // points 80 81 82: 63 moves from 2 to 8, nothing else moves
	cases["63"] = "8"
	for k, want := range cases {
		if got := m.Get(k); got != want {
			t.Errorf("after Add(8): Get(%s) = %s; want %s", k, got, want)
		}
	}
}

func TestGetOnEmptyRing(t *testing.T) {
	if got := New(10, nil).Get("x"); got != "" {
		t.Fatalf("Get on empty ring = %q; want \"\"", got)
	}
}

func TestAddIgnoresDuplicatesAndEmptyNames(t *testing.T) {
	m := New(10, nil)
	m.Add("a", "b", "a", "")
	m.Add("a")
	if len(m.ring) != 20 {
		t.Fatalf("ring has %d virtual nodes; want 20 (two peers)", len(m.ring))
	}
	ref := New(10, nil)
	ref.Add("a", "b")
	for i := range 1000 {
		k := strconv.Itoa(i)
		if m.Get(k) != ref.Get(k) {
			t.Fatalf("key %s: duplicate Add changed the owner", k)
		}
	}
}

func TestReplicasBelowOneMeansOne(t *testing.T) {
	m := New(0, nil)
	m.Add("a")
	if len(m.ring) != 1 || m.Get("k") != "a" {
		t.Fatalf("ring = %v; want one virtual node of a", m.ring)
	}
}

func TestVirtualNodeNamesAreUnambiguous(t *testing.T) {
	// Joined as strconv.Itoa(i)+peer, replica 1 of "12" and replica 11 of
	// "2" are both "112" and land on the same point.
	seen := map[string]string{}
	for _, peer := range []string{"1", "2", "12", "112", "1#1", "a#"} {
		for i := range 20 {
			name := vnodeName(peer, i)
			if other, dup := seen[name]; dup {
				t.Fatalf("%q is a virtual node of both %s and %s", name, other, peer)
			}
			seen[name] = peer
		}
	}
}

func TestCollidingVirtualNodesShareKeys(t *testing.T) {
	// Every virtual node hashes to point 100; keys hash anywhere.
	collide := func(b []byte) uint32 {
		if strings.Contains(string(b), "#") {
			return 100
		}
		return crc32Key(b)
	}
	ab := New(1, collide)
	ab.Add("a", "b")
	ba := New(1, collide)
	ba.Add("b")
	ba.Add("a")
	count := map[string]int{}
	for i := range 1000 {
		k := "key" + strconv.Itoa(i)
		owner := ab.Get(k)
		if other := ba.Get(k); other != owner {
			t.Fatalf("key %s: owner %s or %s depending on Add order", k, owner, other)
		}
		count[owner]++
	}
	if count["a"] < 300 || count["b"] < 300 {
		t.Fatalf("shares = %v; want both peers to keep keys of the shared point", count)
	}
}

func crc32Key(b []byte) uint32 { return New(1, nil).hash(b) }

func TestCustomHashCannotChangeTheKey(t *testing.T) {
	// A Hash may do what it likes with its slice, writing to it included.
	scribble := func(b []byte) uint32 {
		h := crc32Key(b)
		for i := range b {
			b[i] = 'X'
		}
		return h
	}
	m := New(3, scribble)
	m.Add("a", "b")
	key := strings.Repeat("k", 3) // built at run time, so writable memory
	owner := m.Get(key)
	if key != "kkk" {
		t.Fatalf("Get changed its key to %q", key)
	}
	if again := m.Get(key); again != owner {
		t.Fatalf("Get(%q) = %s, then %s", key, owner, again)
	}
}

func spread(m *Map, n int) map[string]int {
	count := map[string]int{}
	for i := range n {
		count[m.Get(fmt.Sprintf("key-%d", i))]++
	}
	return count
}

func TestSpreadOverPeers(t *testing.T) {
	m := New(50, nil)
	peers := []string{"http://127.0.0.1:8001", "http://127.0.0.1:8002", "http://127.0.0.1:8003"}
	m.Add(peers...)
	const n = 30000
	count := spread(m, n)
	for _, p := range peers {
		share := float64(count[p]) / n
		if share < 0.2 || share > 0.47 {
			t.Errorf("peer %s owns %.1f%% of the keys; want 20%%..47%% (about a third)", p, 100*share)
		}
	}
	t.Logf("shares of %d keys: %v", n, count)
}

func TestAddingAPeerMovesAboutOneNth(t *testing.T) {
	peers := []string{"http://127.0.0.1:8001", "http://127.0.0.1:8002", "http://127.0.0.1:8003"}
	before := New(50, nil)
	before.Add(peers...)
	after := New(50, nil)
	after.Add(peers...)
	after.Add("http://127.0.0.1:8004")

	const n = 30000
	moved := 0
	for i := range n {
		k := fmt.Sprintf("key-%d", i)
		was, is := before.Get(k), after.Get(k)
		if was != is {
			moved++
			if is != "http://127.0.0.1:8004" {
				t.Fatalf("key %s moved from %s to %s; only moves to the new peer are allowed", k, was, is)
			}
		}
	}
	frac := float64(moved) / n
	if frac < 0.15 || frac > 0.35 {
		t.Fatalf("%.1f%% of keys moved; want about 25%%", 100*frac)
	}
	t.Logf("%.1f%% of %d keys moved to the fourth peer", 100*frac, n)
}
