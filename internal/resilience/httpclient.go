package resilience

import (
	"net"
	"net/http"
	"time"
)

// HTTPOptions tune the *http.Client of one upstream host. Each platform
// client gets its own, so that one slow platform cannot starve another's
// connection pool.
type HTTPOptions struct {
	// Timeout bounds one call, reading the body included (default 10 s).
	// The request's context bounds it too, whichever ends first.
	Timeout time.Duration
	// DialTimeout bounds opening a connection (default 5 s).
	DialTimeout time.Duration
	// TLSHandshakeTimeout bounds the TLS handshake (default 5 s).
	TLSHandshakeTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for the response headers once
	// the request is written (default 8 s).
	ResponseHeaderTimeout time.Duration
	// IdleConnTimeout is how long an idle connection is kept (default 90 s).
	IdleConnTimeout time.Duration
	// MaxIdleConnsPerHost is how many idle connections are kept for the
	// host (default PoolSize: every connection the platform may need at
	// once). A pool smaller than the calls in flight closes a connection
	// each time a call ends above it and dials anew for the next: on TLS,
	// a handshake per call.
	MaxIdleConnsPerHost int
	// MaxConnsPerHost bounds the connections to the host, idle or not
	// (default MaxConcurrentCalls): above it a call waits for a
	// connection to come free rather than open one.
	MaxConnsPerHost int
	// MaxConcurrentCalls is the platform's concurrency limit: the most
	// calls groupgraph keeps in flight to it (default
	// DefaultMaxConcurrentCalls).
	MaxConcurrentCalls int
	// FanOut is how many calls one GraphQL request may have in flight to
	// the platform at once: its list call, or its detail calls, which the
	// platform clients run DetailConcurrency at a time (default
	// DefaultFanOut).
	FanOut int
	// ConcurrentRequests is how many GraphQL requests the pool is sized
	// to serve at once (default DefaultConcurrentRequests).
	ConcurrentRequests int
	// Middleware wrap the transport, the first outermost: e.g. a metrics
	// RoundTripper, then Budget.Transport, so that refusals are counted
	// too.
	Middleware []func(http.RoundTripper) http.RoundTripper
}

// HTTP client defaults.
const (
	DefaultHTTPTimeout           = 10 * time.Second
	DefaultDialTimeout           = 5 * time.Second
	DefaultTLSHandshakeTimeout   = 5 * time.Second
	DefaultResponseHeaderTimeout = 8 * time.Second
	DefaultIdleConnTimeout       = 90 * time.Second
	// DefaultMaxConcurrentCalls bounds the connections to one platform.
	DefaultMaxConcurrentCalls = 256
	// DefaultFanOut is the platform clients' default detail concurrency
	// (four at a time): the most calls one request has in flight to a
	// platform.
	DefaultFanOut = 4
	// DefaultConcurrentRequests is the GraphQL requests in flight the
	// pool is sized for.
	DefaultConcurrentRequests = 64
)

// PoolSize is how many connections to one platform a pool keeps: enough
// for concurrentRequests requests each with fanOut calls in flight, but
// never more than the platform's concurrency limit, maxConcurrentCalls.
func PoolSize(maxConcurrentCalls, fanOut, concurrentRequests int) int {
	return max(1, min(maxConcurrentCalls, fanOut*concurrentRequests))
}

func (o HTTPOptions) withDefaults() HTTPOptions {
	if o.Timeout <= 0 {
		o.Timeout = DefaultHTTPTimeout
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	if o.TLSHandshakeTimeout <= 0 {
		o.TLSHandshakeTimeout = DefaultTLSHandshakeTimeout
	}
	if o.ResponseHeaderTimeout <= 0 {
		o.ResponseHeaderTimeout = DefaultResponseHeaderTimeout
	}
	if o.IdleConnTimeout <= 0 {
		o.IdleConnTimeout = DefaultIdleConnTimeout
	}
	if o.MaxConcurrentCalls <= 0 {
		o.MaxConcurrentCalls = DefaultMaxConcurrentCalls
	}
	if o.FanOut <= 0 {
		o.FanOut = DefaultFanOut
	}
	if o.ConcurrentRequests <= 0 {
		o.ConcurrentRequests = DefaultConcurrentRequests
	}
	if o.MaxIdleConnsPerHost <= 0 {
		o.MaxIdleConnsPerHost = PoolSize(o.MaxConcurrentCalls, o.FanOut, o.ConcurrentRequests)
	}
	if o.MaxConnsPerHost <= 0 {
		o.MaxConnsPerHost = o.MaxConcurrentCalls
	}
	return o
}

// NewHTTPClient returns an *http.Client for one upstream host, with a tuned
// transport wrapped in opts.Middleware.
func NewHTTPClient(opts HTTPOptions) *http.Client {
	opts = opts.withDefaults()
	var rt http.RoundTripper = NewTransport(opts)
	for i := len(opts.Middleware) - 1; i >= 0; i-- {
		rt = opts.Middleware[i](rt)
	}
	return &http.Client{Transport: rt, Timeout: opts.Timeout}
}

// NewTransport returns the tuned *http.Transport NewHTTPClient uses, without
// middleware. It speaks HTTP/2 to a platform that offers it over TLS (ALPN):
// one connection then carries every call in flight, and HTTP/1.1
// otherwise, over a pool of PoolSize kept connections.
func NewTransport(opts HTTPOptions) *http.Transport {
	opts = opts.withDefaults()
	d := &net.Dialer{Timeout: opts.DialTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   opts.TLSHandshakeTimeout,
		ResponseHeaderTimeout: opts.ResponseHeaderTimeout,
		IdleConnTimeout:       opts.IdleConnTimeout,
		MaxIdleConns:          opts.MaxIdleConnsPerHost * 2,
		MaxIdleConnsPerHost:   opts.MaxIdleConnsPerHost,
		MaxConnsPerHost:       opts.MaxConnsPerHost,
		ExpectContinueTimeout: time.Second,
	}
}
