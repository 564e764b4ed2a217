package geecache

// ByteView is an immutable view of cached bytes. Handing out copies only
// keeps callers from changing what other callers will read.
type ByteView struct {
	b []byte
}

// Len returns the number of bytes in the view; it makes ByteView an lru.Value.
func (v ByteView) Len() int {
	return len(v.b)
}

// ByteSlice returns a copy of the bytes.
func (v ByteView) ByteSlice() []byte {
	return cloneBytes(v.b)
}

// String returns the bytes as a string.
func (v ByteView) String() string {
	return string(v.b)
}

func cloneBytes(b []byte) []byte {
	c := make([]byte, len(b))
	copy(c, b)
	return c
}
