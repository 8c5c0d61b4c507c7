package sqltest

import (
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"
)

// Proxy is a TCP proxy between a store and its PostgreSQL server, for
// tests of a database that becomes unreachable: Cut drops every
// connection and refuses new ones (the port is closed), Stall accepts new
// connections but never answers (a black hole), Restore lets them
// through again.
type Proxy struct {
	t      testing.TB
	target string
	addr   string

	mu      sync.Mutex
	ln      net.Listener
	stalled bool
	conns   map[net.Conn]bool
	wg      sync.WaitGroup
}

// NewProxy starts a proxy to the host and port of the PostgreSQL URL dsn
// and returns it with dsn rewritten to go through it. It stops when t ends.
func NewProxy(t testing.TB, dsn string) (*Proxy, string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{t: t, target: u.Host, addr: ln.Addr().String(), conns: map[net.Conn]bool{}}
	p.serve(ln)
	t.Cleanup(func() {
		p.Cut()
		p.wg.Wait()
	})
	u.Host = p.addr
	return p, u.String()
}

func (p *Proxy) serve(ln net.Listener) {
	p.ln = ln
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			p.conns[c] = true
			stalled := p.stalled
			p.mu.Unlock()
			if stalled {
				continue // held open, never answered, closed by Cut or Restore
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.pipe(c)
			}()
		}
	}()
}

func (p *Proxy) pipe(c net.Conn) {
	defer p.drop(c)
	up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		return
	}
	p.mu.Lock()
	if !p.conns[c] { // cut meanwhile
		p.mu.Unlock()
		up.Close()
		return
	}
	p.conns[up] = true
	p.mu.Unlock()
	defer p.drop(up)
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go cp(up, c)
	go cp(c, up)
	<-done // either side ended: end both
}

func (p *Proxy) drop(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

// closeAll closes every connection; the caller holds mu.
func (p *Proxy) closeAll() {
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// Cut drops every connection and closes the port: connecting fails with
// "connection refused" until Restore.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	p.closeAll()
}

// Stall drops every connection and then accepts new ones without ever
// answering, as a network that loses packets does: connecting hangs until
// the client's own timeout.
func (p *Proxy) Stall() {
	p.mu.Lock()
	p.stalled = true
	p.closeAll()
	p.mu.Unlock()
	p.listen()
}

// Restore lets connections through again (stalled ones are dropped).
func (p *Proxy) Restore() {
	p.mu.Lock()
	if p.stalled {
		p.stalled = false
		p.closeAll()
	}
	p.mu.Unlock()
	p.listen()
}

// listen reopens the port when it is closed.
func (p *Proxy) listen() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		return
	}
	var err error
	for range 50 { // the port is ours, but the kernel may hold it a moment
		var ln net.Listener
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			p.serve(ln)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.t.Fatalf("proxy: listen again on %s: %v", p.addr, errors.Unwrap(err))
}
