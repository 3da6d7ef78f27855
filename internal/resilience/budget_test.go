package resilience

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// upstream is an httptest server counting the requests that reached it.
func upstream(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// get does what a platform client does: send, and classify a transport
// failure through providers.TransportError.
func get(ctx context.Context, c *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/?api_key=SECRETKEY", nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return providers.TransportError("flickr people.getGroups", err)
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

func TestBudget(t *testing.T) {
	t.Run("a concurrent load never sends more than the budget", func(t *testing.T) {
		srv, hits := upstream(t)
		rec := newRecorder()
		b := NewBudget(BudgetOptions{Name: "flickr", Limit: 10, Per: time.Hour, Observer: rec})
		c := NewHTTPClient(HTTPOptions{Middleware: []func(http.RoundTripper) http.RoundTripper{b.Transport}})
		defer c.CloseIdleConnections()
		var wg sync.WaitGroup
		var refused atomic.Int64
		for range 50 {
			wg.Go(func() {
				if err := get(context.Background(), c, srv.URL); errors.Is(err, providers.ErrRateLimited) {
					refused.Add(1)
				} else if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if hits.Load() != 10 || refused.Load() != 40 || rec.budget != 40 {
			t.Fatalf("sent %d, refused %d (observed %d); want 10 sent and 40 refused", hits.Load(), refused.Load(), rec.budget)
		}
		if b.Remaining() != 0 || b.Limit() != 10 {
			t.Fatalf("remaining %d of %d, want 0 of 10", b.Remaining(), b.Limit())
		}
		if r := time.Until(b.ResetAt()); r < 59*time.Minute || r > time.Hour {
			t.Fatalf("resets in %v, want about an hour", r)
		}
	})

	t.Run("a refusal through a platform client is classified rate limited", func(t *testing.T) {
		srv, hits := upstream(t)
		b := NewBudget(BudgetOptions{Name: "flickr", Limit: 1, Per: time.Hour})
		c := NewHTTPClient(HTTPOptions{Middleware: []func(http.RoundTripper) http.RoundTripper{b.Transport}})
		defer c.CloseIdleConnections()
		if err := get(context.Background(), c, srv.URL); err != nil {
			t.Fatal(err)
		}
		err := get(context.Background(), c, srv.URL)
		// TransportError classifies the *url.Error as unavailable, but
		// KindOf tests ErrRateLimited first, so the refusal keeps its kind.
		if providers.KindOf(err) != providers.ErrRateLimited {
			t.Fatalf("KindOf(%v) = %v, want ErrRateLimited", err, providers.KindOf(err))
		}
		if ra := providers.RetryAfter(err); ra < 59*time.Minute || ra > time.Hour {
			t.Fatalf("RetryAfter = %v, want the hour until the next token", ra)
		}
		if strings.Contains(err.Error(), "SECRETKEY") {
			t.Fatalf("error leaks the request URL: %v", err)
		}
		if hits.Load() != 1 {
			t.Fatalf("sent %d, want 1", hits.Load())
		}
	})

	t.Run("the reserve is kept for leaves", func(t *testing.T) {
		b := NewBudget(BudgetOptions{Name: "flickr", Limit: 10, Per: time.Hour, Reserve: 3})
		ctx := context.Background()
		for i := range 7 {
			if err := b.Take(ctx); err != nil {
				t.Fatalf("read %d refused: %v", i+1, err)
			}
		}
		var be *BudgetError
		if err := b.Take(ctx); !errors.As(err, &be) || !errors.Is(err, providers.ErrRateLimited) {
			t.Fatalf("8th read: err = %v, want a BudgetError wrapping ErrRateLimited", err)
		}
		for i := range 3 {
			if err := b.Take(WithReserve(ctx)); err != nil {
				t.Fatalf("leave %d refused: %v", i+1, err)
			}
		}
		if err := b.Take(WithReserve(ctx)); err == nil {
			t.Fatal("a leave exceeded the budget")
		}
	})

	t.Run("a refused request's body is closed", func(t *testing.T) {
		b := NewBudget(BudgetOptions{Name: "x", Limit: 1, Reserve: 0})
		_ = b.Take(context.Background())
		body := &closeRecorder{Reader: strings.NewReader("payload")}
		req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/", body)
		if _, err := b.Transport(http.NewFileTransport(http.Dir("."))).RoundTrip(req); err == nil || !body.closed {
			t.Fatalf("err %v, closed %v; want a refusal that closes the body", err, body.closed)
		}
	})

	t.Run("cached groups are still served when the budget is spent", func(t *testing.T) {
		m := newFixture()
		b := NewBudget(BudgetOptions{Name: "flickr", Limit: 1})
		p := Wrap(budgeted{m, b}, fastOptions())
		groupsByID(t, p, alice, "pub")
		groupsByID(t, p, alice, "pub")
		if _, err := p.GroupsByID(context.Background(), alice, []string{"pub2"}); !errors.Is(err, providers.ErrRateLimited) {
			t.Fatalf("uncached err = %v, want ErrRateLimited", err)
		}
	})

	t.Run("defaults are Flickr's 3600 calls per hour", func(t *testing.T) {
		b := NewBudget(BudgetOptions{Name: "flickr"})
		if b.Limit() != 3600 || b.Remaining() != 3600 {
			t.Fatalf("limit %d remaining %d", b.Limit(), b.Remaining())
		}
	})
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

// budgeted charges its budget for every GroupsByID, as a platform client
// whose *http.Client carries Budget.Transport would.
type budgeted struct {
	providers.Provider
	b *Budget
}

func (p budgeted) GroupsByID(ctx context.Context, a providers.Account, ids []string) (map[string]*providers.Group, error) {
	if err := p.b.Take(ctx); err != nil {
		return nil, providers.TransportError("flickr groups.getInfo", err)
	}
	return p.Provider.GroupsByID(ctx, a, ids)
}

func TestHTTPClient(t *testing.T) {
	t.Run("defaults tune the transport", func(t *testing.T) {
		c := NewHTTPClient(HTTPOptions{})
		tr := c.Transport.(*http.Transport)
		if c.Timeout != DefaultHTTPTimeout || tr.MaxIdleConnsPerHost != PoolSize(DefaultMaxConcurrentCalls, DefaultFanOut, DefaultConcurrentRequests) ||
			tr.MaxConnsPerHost != DefaultMaxConcurrentCalls ||
			tr.ResponseHeaderTimeout != DefaultResponseHeaderTimeout || tr.TLSHandshakeTimeout != DefaultTLSHandshakeTimeout ||
			tr.IdleConnTimeout != DefaultIdleConnTimeout {
			t.Fatalf("client %+v transport %+v", c, tr)
		}
	})
	t.Run("middleware wrap the transport, the first outermost", func(t *testing.T) {
		srv, _ := upstream(t)
		var order []string
		mw := func(name string) func(http.RoundTripper) http.RoundTripper {
			return func(next http.RoundTripper) http.RoundTripper {
				return roundTripFunc(func(r *http.Request) (*http.Response, error) {
					order = append(order, name)
					return next.RoundTrip(r)
				})
			}
		}
		c := NewHTTPClient(HTTPOptions{Middleware: []func(http.RoundTripper) http.RoundTripper{mw("metrics"), mw("budget")}})
		defer c.CloseIdleConnections()
		if err := get(context.Background(), c, srv.URL); err != nil {
			t.Fatal(err)
		}
		if strings.Join(order, ",") != "metrics,budget" {
			t.Fatalf("order = %v", order)
		}
	})
	t.Run("the per-call timeout is a classified timeout", func(t *testing.T) {
		block := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-block:
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		defer close(block)
		c := NewHTTPClient(HTTPOptions{Timeout: 50 * time.Millisecond})
		defer c.CloseIdleConnections()
		if err := get(context.Background(), c, srv.URL); !errors.Is(err, providers.ErrTimeout) {
			t.Fatalf("err = %v, want ErrTimeout", err)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
