package pageseeder_test

import (
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/fault"
	"github.com/groupgraph/groupgraph/providers/pageseeder"
	"github.com/groupgraph/groupgraph/providers/pageseeder/pageseedertest"
	"github.com/groupgraph/groupgraph/providers/providertest"
)

// sandbox starts a simulator loaded with the sandbox and a client for it.
type sandbox struct {
	sim    *pageseedertest.Server
	srv    *httptest.Server
	client *pageseeder.Client
	acct   providers.Account
}

func newSandbox(t *testing.T, cfg pageseeder.Config, opts ...pageseedertest.Option) *sandbox {
	t.Helper()
	sim := pageseedertest.New(opts...)
	acct, err := sim.SeedSandbox()
	if err != nil {
		t.Fatalf("SeedSandbox: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg.BaseURL = srv.URL
	if cfg.ClientID == "" {
		cfg.ClientID, cfg.ClientSecret = pageseedertest.SandboxClientID, pageseedertest.SandboxClientSecret
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = srv.Client()
	}
	c, err := pageseeder.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &sandbox{sim: sim, srv: srv, client: c, acct: acct}
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providertest.Harness {
		sb := newSandbox(t, pageseeder.Config{})
		rejected := sb.acct
		rejected.Credentials = providers.Credentials{Token: "bogus-access-token", RefreshToken: "bogus-refresh-token", Expiry: time.Now().Add(time.Hour)}
		return providertest.Harness{
			Provider:       sb.client,
			Account:        sb.acct,
			Rejected:       rejected,
			MemberGroups:   []string{id(pageseedertest.SandboxGroup), id(pageseedertest.SandboxProject), id(pageseedertest.SandboxPendingGroup)},
			OtherGroup:     "123",
			MissingGroup:   id(pageseedertest.SandboxMissingGroup),
			InheritedGroup: id(pageseedertest.SandboxInheritedGroup),
			FailNext: func(n int) {
				next := make([]fault.Kind, n)
				for i := range next {
					next[i] = fault.ServerError
				}
				sb.sim.Faults().Set(fault.Config{Next: next})
			},
			Hang: func() { sb.sim.Faults().Set(fault.Config{Rate: 1, Kind: fault.Hang}) },
		}
	})
}
