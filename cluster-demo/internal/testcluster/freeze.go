package testcluster

import (
	"net"
	"sync"
)

// gate holds up every byte of a member's connections while the member is
// frozen: the kernel still accepts connections and takes the bytes clients
// send, but the server reads nothing and writes nothing, as a process
// stopped with SIGSTOP behaves.
type gate struct {
	mu     sync.Mutex
	thawed chan struct{} // closed while the member runs
}

func newGate() *gate {
	g := &gate{thawed: make(chan struct{})}
	close(g.thawed)
	return g
}

func (g *gate) freeze() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.thawed:
		g.thawed = make(chan struct{})
	default: // frozen already
	}
}

func (g *gate) thaw() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.thawed:
	default:
		close(g.thawed)
	}
}

// wait blocks while the gate is frozen, or until closed is closed.
func (g *gate) wait(closed <-chan struct{}) {
	g.mu.Lock()
	thawed := g.thawed
	g.mu.Unlock()
	select {
	case <-thawed:
	case <-closed:
	}
}

// gatedListener hands out connections that pass through the gate.
type gatedListener struct {
	net.Listener
	g *gate
}

func (l gatedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &gatedConn{Conn: c, g: l.g, closed: make(chan struct{})}, nil
}

type gatedConn struct {
	net.Conn
	g         *gate
	closeOnce sync.Once
	closed    chan struct{}
}

// Read hands over what arrived only once the gate is open: a read that
// was already waiting when the member froze keeps its bytes until it thaws.
func (c *gatedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.g.wait(c.closed)
	return n, err
}

func (c *gatedConn) Write(b []byte) (int, error) {
	c.g.wait(c.closed)
	return c.Conn.Write(b)
}

func (c *gatedConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return c.Conn.Close()
}
