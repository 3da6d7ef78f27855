package resilience

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

func TestPoolSizeFollowsTheFanOutUpToThePlatformsLimit(t *testing.T) {
	for _, c := range []struct {
		name                    string
		limit, fanOut, requests int
		want                    int
	}{
		{"requests times fan-out under the limit", 256, 4, 50, 200},
		{"the limit caps it", 256, 5, 64, 256},
		{"never empty", 0, 0, 0, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := PoolSize(c.limit, c.fanOut, c.requests); got != c.want {
				t.Errorf("got %d, want %d", got, c.want)
			}
		})
	}
}

// tlsUpstream is a TLS platform that counts its handshakes and holds the
// first hold requests until all have arrived, so that a warm-up opens
// exactly that many connections.
type tlsUpstream struct {
	srv        *httptest.Server
	handshakes atomic.Int64
	protos     sync.Map
	hold       chan struct{}
	arrived    atomic.Int64
	holdN      int64
}

func newTLSUpstream(t *testing.T, http2 bool, hold int) *tlsUpstream {
	u := &tlsUpstream{hold: make(chan struct{}), holdN: int64(hold)}
	u.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.protos.Store(r.Proto, true)
		if n := u.arrived.Add(1); n <= u.holdN {
			if n == u.holdN {
				close(u.hold)
			}
			<-u.hold
		}
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	u.srv.EnableHTTP2 = http2
	u.srv.TLS = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		u.handshakes.Add(1)
		return nil, nil
	}}
	u.srv.StartTLS()
	t.Cleanup(u.srv.Close)
	return u
}

// client is groupgraph's HTTP client for the upstream, trusting its
// certificate.
func (u *tlsUpstream) client(opts HTTPOptions) *http.Client {
	c := NewHTTPClient(opts)
	roots := x509.NewCertPool()
	roots.AddCert(u.srv.Certificate())
	c.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: roots}
	return c
}

// stream sends rounds of requests calls at once, each with fanOut calls
// in flight, as a steady stream of GraphQL requests fans out.
func stream(t *testing.T, c *http.Client, url string, rounds, requests, fanOut int) {
	t.Helper()
	var failed atomic.Int64
	for range rounds {
		var wg sync.WaitGroup
		for range requests * fanOut {
			wg.Go(func() {
				resp, err := c.Get(url)
				if err != nil {
					failed.Add(1)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			})
		}
		wg.Wait()
	}
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d calls failed", n)
	}
}

func TestASteadyStreamOfQueriesPerformsNoNewTLSHandshakes(t *testing.T) {
	const requests, fanOut, rounds = 8, 4, 25
	opts := HTTPOptions{MaxConcurrentCalls: requests * fanOut, FanOut: fanOut, ConcurrentRequests: requests}

	t.Run("over HTTP/1.1 the pool keeps every connection the fan-out opened", func(t *testing.T) {
		u := newTLSUpstream(t, false, requests*fanOut)
		c := u.client(opts)
		defer c.CloseIdleConnections()
		// The first round's calls are all held until every one has
		// arrived: it opens one connection per call in flight.
		stream(t, c, u.srv.URL, 1, requests, fanOut)
		warm := u.handshakes.Load()
		if warm != requests*fanOut {
			t.Fatalf("warm-up: %d handshakes, want %d", warm, requests*fanOut)
		}
		stream(t, c, u.srv.URL, rounds, requests, fanOut)
		if got := u.handshakes.Load() - warm; got != 0 {
			t.Errorf("%d calls after the warm-up made %d new TLS handshakes, want none", rounds*requests*fanOut, got)
		}
		if _, ok := u.protos.Load("HTTP/1.1"); !ok {
			t.Error("the calls did not arrive over HTTP/1.1")
		}
	})

	t.Run("over HTTP/2 one connection carries the whole stream", func(t *testing.T) {
		u := newTLSUpstream(t, true, 0)
		c := u.client(opts)
		defer c.CloseIdleConnections()
		stream(t, c, u.srv.URL, 1, 1, 1)
		if got := u.handshakes.Load(); got != 1 {
			t.Fatalf("first call: %d handshakes, want 1", got)
		}
		stream(t, c, u.srv.URL, rounds, requests, fanOut)
		if got := u.handshakes.Load(); got != 1 {
			t.Errorf("%d calls made %d TLS handshakes in all, want the first one only", rounds*requests*fanOut, got)
		}
		if _, ok := u.protos.Load("HTTP/2.0"); !ok {
			t.Error("the platform offers HTTP/2 over TLS, but the calls did not use it")
		}
	})
}
