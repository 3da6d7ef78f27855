// Package chaostest is a TCP proxy for tests that put a failing network
// between groupgraph and its Redis or PostgreSQL: it can freeze every
// connection (accepted, then never answered: a stalled server), reset them
// and refuse new ones (a server gone), or slow them, and heal again.
//
// It forwards bytes and understands no protocol, so that what a client sees
// is what it would see of a real outage: a read that never returns, a reset
// connection, a slow answer.
package chaostest

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// Proxy forwards loopback connections to a target address. It is safe for
// concurrent use.
type Proxy struct {
	target string
	ln     net.Listener

	mu      sync.Mutex
	frozen  chan struct{} // non-nil while frozen; closed by Heal
	refuse  bool
	delay   time.Duration
	conns   map[net.Conn]struct{}
	closed  bool
	accepts int
	wg      sync.WaitGroup
}

// Start listens on a loopback port and forwards every connection to
// target. Close it when done (tb.Cleanup(p.Close)).
func Start(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{target: target, ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the address clients dial instead of the target.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Freeze stops forwarding: connections, old and new, are accepted and kept
// open, and what either side sends is held until Heal.
func (p *Proxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.frozen == nil {
		p.frozen = make(chan struct{})
	}
}

// Refuse resets every open connection and resets each new one as soon as
// it is accepted, until Heal: the server is gone.
func (p *Proxy) Refuse() {
	p.mu.Lock()
	p.refuse = true
	conns := make([]net.Conn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		reset(c)
	}
}

// Slow delays every chunk forwarded in either direction by d, until Heal.
func (p *Proxy) Slow(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delay = d
}

// Heal forwards normally again; held bytes flow on.
func (p *Proxy) Heal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.frozen != nil {
		close(p.frozen)
		p.frozen = nil
	}
	p.refuse, p.delay = false, 0
}

// Accepted returns how many connections the proxy has accepted.
func (p *Proxy) Accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepts
}

// Close stops listening and closes every connection.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	if p.frozen != nil {
		close(p.frozen)
		p.frozen = nil
	}
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	_ = p.ln.Close()
	p.wg.Wait()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.accepts++
		refuse := p.refuse || p.closed
		p.mu.Unlock()
		if refuse {
			reset(c)
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			reset(c)
			continue
		}
		if !p.track(c, up) {
			_ = c.Close()
			_ = up.Close()
			continue
		}
		p.wg.Add(2)
		go p.pipe(up, c)
		go p.pipe(c, up)
	}
}

func (p *Proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *Proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		delete(p.conns, c)
	}
}

// pipe copies src to dst chunk by chunk, holding each chunk while the proxy
// is frozen and delaying it while slow. When either side ends, both do.
func (p *Proxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	defer func() {
		p.untrack(dst, src)
		_ = dst.Close()
		_ = src.Close()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.hold(src) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				reset(dst)
			}
			return
		}
	}
}

// hold waits while the proxy is frozen and sleeps while it is slow. It
// reports false when the connection is to end instead.
func (p *Proxy) hold(src net.Conn) bool {
	for {
		p.mu.Lock()
		frozen, delay, closed := p.frozen, p.delay, p.closed
		_, open := p.conns[src]
		p.mu.Unlock()
		switch {
		case closed || !open:
			return false
		case frozen != nil:
			<-frozen
			continue // thawed, or closed: look again
		case delay > 0:
			time.Sleep(delay)
		}
		return true
	}
}

// reset closes c with a TCP reset rather than an orderly close, as a server
// that went away does.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}
