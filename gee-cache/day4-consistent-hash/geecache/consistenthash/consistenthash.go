// Package consistenthash maps keys to peers on a hash ring with virtual
// nodes, so that adding or removing one of n peers moves only about 1/n of
// the keys.
package consistenthash

import (
	"cmp"
	"hash/crc32"
	"slices"
	"strconv"
	"strings"
)

// Hash maps bytes to a point on the ring.
type Hash func(data []byte) uint32

// Map is a hash ring. It is not safe for concurrent Add and Get; guard it
// or build it before sharing it.
type Map struct {
	hash     Hash
	replicas int
	ring     []vnode // sorted by point, then by peer
	peers    map[string]bool
}

// vnode is one virtual node: a point on the ring owned by a peer.
type vnode struct {
	point uint32
	peer  string
}

// New returns a ring that places replicas virtual nodes per peer, hashed
// with fn (crc32.ChecksumIEEE when fn is nil). replicas below 1 count as 1.
func New(replicas int, fn Hash) *Map {
	if fn == nil {
		fn = crc32.ChecksumIEEE
	}
	return &Map{
		hash:     fn,
		replicas: max(replicas, 1),
		peers:    make(map[string]bool),
	}
}

// Add puts peers on the ring. Empty names and peers already on the ring are
// ignored, so adding a peer twice does not double its share.
func (m *Map) Add(peers ...string) {
	for _, peer := range peers {
		if peer == "" || m.peers[peer] {
			continue
		}
		m.peers[peer] = true
		for i := range m.replicas {
			m.ring = append(m.ring, vnode{m.hash([]byte(vnodeName(peer, i))), peer})
		}
	}
	slices.SortFunc(m.ring, func(a, b vnode) int {
		return cmp.Or(cmp.Compare(a.point, b.point), strings.Compare(a.peer, b.peer))
	})
}

// vnodeName names the i-th virtual node of peer. The index comes last,
// after a '#': it is all digits, so the last '#' always separates the two
// parts and no two (peer, i) pairs share a name, unlike plain
// concatenation of i and peer ("1"+"12" = "11"+"2").
func vnodeName(peer string, i int) string {
	return peer + "#" + strconv.Itoa(i)
}

// Get returns the peer that owns key: the owner of the first virtual node
// clockwise from the key's hash. It returns "" when the ring is empty.
//
// When virtual nodes of several peers hash to the same point, they share
// the keys of that point, chosen by a second hash of the key; neither
// steals the other's keys and the result does not depend on the order in
// which the peers were added.
func (m *Map) Get(key string) string {
	if len(m.ring) == 0 {
		return ""
	}
	h := m.hash([]byte(key))
	i, _ := slices.BinarySearchFunc(m.ring, h, func(v vnode, target uint32) int {
		return cmp.Compare(v.point, target)
	})
	if i == len(m.ring) {
		i = 0 // wrap around the ring
	}
	if i+1 < len(m.ring) && m.ring[i+1].point == m.ring[i].point {
		return m.ring[i+tieBreak(m.ring[i:], key)].peer
	}
	return m.ring[i].peer
}

// tieBreak picks one of the virtual nodes that share run[0]'s point.
func tieBreak(run []vnode, key string) int {
	n := 1
	for n < len(run) && run[n].point == run[0].point {
		n++
	}
	return int(fnv32a(key) % uint32(n))
}

func fnv32a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}
