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
	// host (default 32; net/http's own default of 2 makes a burst of
	// concurrent calls dial anew).
	MaxIdleConnsPerHost int
	// MaxConnsPerHost bounds the connections to the host, idle or not
	// (default 0: unbounded).
	MaxConnsPerHost int
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
	DefaultMaxIdleConnsPerHost   = 32
)

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
	if o.MaxIdleConnsPerHost <= 0 {
		o.MaxIdleConnsPerHost = DefaultMaxIdleConnsPerHost
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
// middleware.
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
