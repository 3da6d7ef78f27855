package chaostest_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/internal/chaostest"
)

// echo serves loopback connections that send back each line they get.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(t *testing.T, c net.Conn, r *bufio.Reader, wait time.Duration) (string, error) {
	t.Helper()
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return "", err
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	return r.ReadString('\n')
}

func TestProxy(t *testing.T) {
	p, err := chaostest.Start(echo(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)

	t.Run("a healthy proxy forwards both ways", func(t *testing.T) {
		if got, err := roundTrip(t, c, r, 10*time.Second); err != nil || got != "ping\n" {
			t.Fatalf("got %q, %v", got, err)
		}
	})
	t.Run("a frozen proxy holds what is sent until it heals", func(t *testing.T) {
		p.Freeze()
		_, err := roundTrip(t, c, r, 100*time.Millisecond)
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("err = %v, want no answer while frozen", err)
		}
		p.Heal()
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if got, err := r.ReadString('\n'); err != nil || got != "ping\n" {
			t.Fatalf("after healing got %q, %v; want the held answer", got, err)
		}
	})
	t.Run("a refusing proxy resets open connections and new ones", func(t *testing.T) {
		p.Refuse()
		if _, err := roundTrip(t, c, r, 10*time.Second); err == nil {
			t.Fatal("an open connection still answers")
		}
		n, err := net.Dial("tcp", p.Addr())
		if err == nil {
			defer n.Close()
			_, err = roundTrip(t, n, bufio.NewReader(n), 10*time.Second)
		}
		if err == nil {
			t.Fatal("a new connection answers")
		}
	})
	t.Run("a healed proxy takes new connections again", func(t *testing.T) {
		p.Heal()
		n, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer n.Close()
		if got, err := roundTrip(t, n, bufio.NewReader(n), 10*time.Second); err != nil || got != "ping\n" {
			t.Fatalf("got %q, %v", got, err)
		}
	})
}
