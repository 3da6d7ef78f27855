package akana_test

import (
	"context"
	"sync"

	"github.com/groupgraph/groupgraph/providers"
)

// recordingSink records the renewals a client reports.
type recordingSink struct {
	mu      sync.Mutex
	renewed []providers.Credentials
	err     error
}

func (s *recordingSink) CredentialsRenewed(_ context.Context, _ providers.Account, c providers.Credentials) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.renewed = append(s.renewed, c)
	return s.err
}

func (s *recordingSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.renewed)
}

func (s *recordingSink) last() providers.Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.renewed) == 0 {
		return providers.Credentials{}
	}
	return s.renewed[len(s.renewed)-1]
}
