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
	"unsafe"
)

// Hash maps bytes to a point on the ring.
type Hash func(data []byte) uint32

// Map is a hash ring. It is not safe for concurrent Add and Get; guard it
// or build it before sharing it.
type Map struct {
	hash     Hash
	isCRC32  bool // hash is the default crc32, which only reads its input
	replicas int
	points   []uint32 // the virtual nodes' points, sorted
	owners   []string // owners[i] is the peer of points[i]
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
	isCRC32 := fn == nil
	if isCRC32 {
		fn = crc32.ChecksumIEEE
	}
	return &Map{
		hash:     fn,
		isCRC32:  isCRC32,
		replicas: max(replicas, 1),
		peers:    make(map[string]bool),
	}
}

// Add puts peers on the ring. Empty names and peers already on the ring are
// ignored, so adding a peer twice does not double its share.
//
// The ring is kept as two parallel slices rather than one slice of
// (point, peer) pairs: Get's binary search then walks 4-byte points that sit
// close together in memory.
func (m *Map) Add(peers ...string) {
	ring := make([]vnode, len(m.points))
	for i, p := range m.points {
		ring[i] = vnode{p, m.owners[i]}
	}
	for _, peer := range peers {
		if peer == "" || m.peers[peer] {
			continue
		}
		m.peers[peer] = true
		for i := range m.replicas {
			ring = append(ring, vnode{m.hash([]byte(vnodeName(peer, i))), peer})
		}
	}
	slices.SortFunc(ring, func(a, b vnode) int {
		return cmp.Or(cmp.Compare(a.point, b.point), strings.Compare(a.peer, b.peer))
	})
	m.points, m.owners = m.points[:0], m.owners[:0]
	for _, v := range ring {
		m.points = append(m.points, v.point)
		m.owners = append(m.owners, v.peer)
	}
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
	if len(m.points) == 0 {
		return ""
	}
	i, _ := slices.BinarySearch(m.points, m.hashKey(key))
	if i == len(m.points) {
		i = 0 // wrap around the ring
	}
	if i+1 < len(m.points) && m.points[i+1] == m.points[i] {
		i += tieBreak(m.points[i:], key)
	}
	return m.owners[i]
}

// hashKey hashes key. []byte(key) allocates a copy on every call: the hash
// is called through a func value, so the compiler must assume it keeps its
// argument. The default crc32 only reads its input, so it is given the
// string's own bytes without a copy. A Hash supplied by the caller might
// write to its slice, and a string's bytes must never change (a literal's
// sit in read-only memory), so it gets a copy.
func (m *Map) hashKey(key string) uint32 {
	if m.isCRC32 {
		return m.hash(unsafe.Slice(unsafe.StringData(key), len(key)))
	}
	return m.hash([]byte(key))
}

// tieBreak picks one of the virtual nodes that share run[0]'s point.
func tieBreak(run []uint32, key string) int {
	n := 1
	for n < len(run) && run[n] == run[0] {
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
