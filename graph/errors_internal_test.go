package graph

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/groupgraph/groupgraph/internal/dependency"
	"github.com/groupgraph/groupgraph/providers"
)

// waitError is a platform's refusal that says when to try again.
type waitError struct {
	kind error
	wait time.Duration
}

func (e waitError) Error() string             { return fmt.Sprintf("slow down (%v)", e.wait) }
func (e waitError) Unwrap() error             { return e.kind }
func (e waitError) RetryAfter() time.Duration { return e.wait }

// A refusal that says when to try again tells the client, in whole seconds
// rounded up; other errors carry no retryAfter.
func TestErrorsTellWhenToRetry(t *testing.T) {
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	for _, c := range []struct {
		name string
		err  error
		want any
	}{
		{"rate limited, 1.2 s", waitError{providers.ErrRateLimited, 1200 * time.Millisecond}, 2},
		{"unavailable, 30 s", waitError{providers.ErrUnavailable, 30 * time.Second}, 30},
		{"rate limited without advice", fmt.Errorf("%w: no header", providers.ErrRateLimited), nil},
		{"a refusal of another kind", waitError{providers.ErrForbidden, time.Minute}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := PresentError(ctx, &providers.ProviderError{Provider: providers.Flickr, Err: c.err})
			if v, ok := got.Extensions["retryAfter"]; v != c.want || (c.want == nil && ok) {
				t.Errorf("retryAfter = %v (present %v), want %v; extensions %v", v, ok, c.want, got.Extensions)
			}
		})
	}
}

// A failure of groupgraph's own store is named as such, even when it is a
// timeout: it must never read as a platform's PROVIDER_TIMEOUT, nor carry a
// platform.
func TestADependencyFailureIsNoPlatformsFailure(t *testing.T) {
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	for _, c := range []struct {
		name, want string
		err        error
	}{
		{"the store timed out", "STORE_UNAVAILABLE", fmt.Errorf("store: reading accounts: %w", &dependency.Error{Dependency: "store", Err: context.DeadlineExceeded})},
		{"the store is skipped after a failure", "STORE_UNAVAILABLE", &dependency.Error{Dependency: "store", Skipped: true}},
		{"Redis timed out", "REDIS_UNAVAILABLE", &dependency.Error{Dependency: "redis", Err: context.DeadlineExceeded}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := PresentError(ctx, c.err)
			if code := got.Extensions["code"]; code != c.want {
				t.Errorf("code = %v, want %s", code, c.want)
			}
			if p, ok := got.Extensions["provider"]; ok {
				t.Errorf("a dependency's failure names the platform %v", p)
			}
			if got.Extensions["retryAfter"] != 1 {
				t.Errorf("retryAfter = %v, want 1", got.Extensions["retryAfter"])
			}
		})
	}
}
