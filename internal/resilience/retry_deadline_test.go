package resilience_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/internal/resilience"
	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/providertest"
)

// slowFailing fails every Memberships call after hanging for a while, as a
// platform that answers only at the per-call timeout does.
type slowFailing struct {
	*providertest.Memory
	hang  time.Duration
	calls int
}

func (s *slowFailing) Memberships(ctx context.Context, _ providers.Account) ([]providers.Membership, error) {
	s.calls++
	select {
	case <-time.After(s.hang):
	case <-ctx.Done():
	}
	return nil, fmt.Errorf("slow: %w", providers.ErrTimeout)
}

func TestRetriesLeaveRoomForTheRestOfTheRequest(t *testing.T) {
	// Margins of a hundred milliseconds or more, so that a loaded machine
	// running the race detector cannot tip a case.
	cases := []struct {
		name         string
		hang, budget time.Duration
		wantCalls    int
	}{
		{"retries that fit twice over in the deadline happen", 50 * time.Millisecond, 2 * time.Second, 3},
		// Refused whatever the stall: after one attempt of at least 400 ms,
		// the backoff plus two more never fits the 1.1 s; and half the hang
		// is left unless the first attempt overran it by 500 ms.
		{"a retry that would eat the rest of the deadline is not started", 400 * time.Millisecond, 1100 * time.Millisecond, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inner := &slowFailing{Memory: providertest.NewMemory(providers.Flickr), hang: tc.hang}
			p := resilience.Wrap(inner, resilience.Options{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, RetryFloor: 100, BreakerFailures: -1})
			ctx, cancel := context.WithTimeout(context.Background(), tc.budget)
			defer cancel()
			_, err := p.Memberships(ctx, providers.Account{Provider: providers.Flickr})
			if !errors.Is(err, providers.ErrTimeout) {
				t.Fatalf("err = %v", err)
			}
			if inner.calls != tc.wantCalls {
				t.Errorf("%d attempts, want %d", inner.calls, tc.wantCalls)
			}
			if dl, _ := ctx.Deadline(); time.Until(dl) < tc.hang/2 {
				t.Errorf("only %v of the deadline left for the rest of the request", time.Until(dl))
			}
		})
	}
}
