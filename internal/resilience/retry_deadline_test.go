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
	inner := &slowFailing{Memory: providertest.NewMemory(providers.Flickr), hang: 100 * time.Millisecond}
	p := resilience.Wrap(inner, resilience.Options{MaxAttempts: 5, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, RetryFloor: 100, BreakerFailures: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 350*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := p.Memberships(ctx, providers.Account{Provider: providers.Flickr})
	if !errors.Is(err, providers.ErrTimeout) {
		t.Fatalf("err = %v", err)
	}
	// 100 ms attempts in a 350 ms deadline: after the first, 250 ms remain,
	// room for twice an attempt, so it retries; after the second, about
	// 150 ms remain, less than twice an attempt, so it stops and leaves that
	// time to the rest of the request.
	if inner.calls != 2 {
		t.Errorf("%d attempts, want 2", inner.calls)
	}
	if left := time.Until(start.Add(350 * time.Millisecond)); left < 100*time.Millisecond {
		t.Errorf("only %v of the deadline left for the rest of the request", left)
	}
}
