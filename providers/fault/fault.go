// Package fault injects latency and failures in front of an http.Handler. The
// platform simulators use it so that tests, benchmarks and the sandbox can make
// an upstream slow, flaky or broken on demand, the same way for every
// platform.
package fault

import (
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Kind is a failure the injector can produce.
type Kind string

// The failures every simulator supports. A simulator may add platform-specific
// ones by handling Custom itself (see Injector.Custom).
const (
	// None: serve normally.
	None Kind = ""
	// ServerError answers 503 with an HTML error page, as a load balancer in
	// front of a platform would.
	ServerError Kind = "5xx"
	// Reset closes the connection without an answer.
	Reset Kind = "reset"
	// Garbage answers 200 with a truncated, undecodable body.
	Garbage Kind = "garbage"
	// Hang waits until the client gives up (its context ends).
	Hang Kind = "hang"
	// Custom is the simulator's own platform-level failure (Flickr answers
	// stat=fail 105, for example).
	Custom Kind = "custom"
)

// Config is what an Injector does. The zero value injects nothing.
type Config struct {
	// Latency is added to every request, plus a uniformly random Jitter.
	Latency time.Duration
	Jitter  time.Duration
	// Rate is the probability, 0 to 1, that a request fails with Kind.
	Rate float64
	Kind Kind
	// Next, when non-empty, are failures served to the next requests in
	// order, before Rate applies; handy for exact tests.
	Next []Kind
}

// Injector wraps a handler with the failures of its Config. Its methods are
// safe for concurrent use, so a test can change the config while serving.
type Injector struct {
	// Custom serves a Custom failure; when nil, Custom behaves like
	// ServerError.
	Custom http.HandlerFunc

	mu     sync.Mutex
	cfg    Config
	rnd    *rand.Rand
	served int
}

// Set replaces the configuration.
func (in *Injector) Set(c Config) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.cfg = c
	in.cfg.Next = append([]Kind(nil), c.Next...)
}

// Config returns the current configuration.
func (in *Injector) Config() Config {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.cfg
}

// Requests returns how many requests reached the injector.
func (in *Injector) Requests() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.served
}

// decide returns the delay and the failure for one request.
func (in *Injector) decide() (time.Duration, Kind) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.served++
	if in.rnd == nil {
		in.rnd = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	d := in.cfg.Latency
	if in.cfg.Jitter > 0 {
		d += time.Duration(in.rnd.Int64N(int64(in.cfg.Jitter) + 1))
	}
	if len(in.cfg.Next) > 0 {
		k := in.cfg.Next[0]
		in.cfg.Next = in.cfg.Next[1:]
		return d, k
	}
	if in.cfg.Rate > 0 && in.rnd.Float64() < in.cfg.Rate {
		return d, in.cfg.Kind
	}
	return d, None
}

// Wrap returns next behind the injector.
func (in *Injector) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		delay, kind := in.decide()
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		switch kind {
		case None:
			next.ServeHTTP(w, r)
		case Reset:
			reset(w)
		case Garbage:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"stat":"ok","items":[{"id":"1","name":"trunc`))
		case Hang:
			<-r.Context().Done()
		case Custom:
			if in.Custom != nil {
				in.Custom(w, r)
				return
			}
			serverError(w)
		default:
			serverError(w)
		}
	})
}

func serverError(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte("<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>"))
}

// reset hijacks the connection and closes it with no response, which the
// client sees as a reset or an unexpected EOF.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		serverError(w)
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(interface{ SetLinger(int) error }); ok {
		_ = tc.SetLinger(0) // RST rather than FIN
	}
	_ = conn.Close()
}
