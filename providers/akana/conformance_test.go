package akana_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/akana"
	"github.com/groupgraph/groupgraph/providers/akana/akanatest"
	"github.com/groupgraph/groupgraph/providers/fault"
	"github.com/groupgraph/groupgraph/providers/providertest"
)

// sandbox is a simulator seeded with the sandbox data, served on loopback,
// and a client for it.
type sandbox struct {
	sim    *akanatest.Server
	srv    *httptest.Server
	client *akana.Client
	acct   providers.Account
	clock  *akanatest.Clock
	sink   *recordingSink
}

func newSandbox(t *testing.T, opts akanatest.Options) *sandbox {
	t.Helper()
	clock := akanatest.NewClock(time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC))
	if opts.Clock == nil {
		opts.Clock = clock.Now
	}
	sim := akanatest.New(opts)
	acct := sim.SeedSandbox()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	sink := &recordingSink{}
	client, err := akana.New(akana.Config{
		BaseURL:    srv.URL,
		Tenant:     sim.Tenant(),
		HTTPClient: srv.Client(),
		Clock:      opts.Clock,
		Sink:       sink,
	})
	if err != nil {
		t.Fatalf("akana.New: %v", err)
	}
	return &sandbox{sim: sim, srv: srv, client: client, acct: acct, clock: clock, sink: sink}
}

func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providertest.Harness {
		sb := newSandbox(t, akanatest.Options{})
		rejected := sb.acct
		rejected.ID = "akana-rejected"
		rejected.Credentials = providers.Credentials{Token: "TokenID%3Dforged%2Csig%3Dnope", Secret: "forged-csrf-token", Expiry: sb.clock.Now().Add(time.Hour)}
		return providertest.Harness{
			Provider:       sb.client,
			Account:        sb.acct,
			Rejected:       rejected,
			MemberGroups:   []string{akanatest.LedGroupID, akanatest.AdminGroupID},
			OtherGroup:     akanatest.OpenGroupID,
			MissingGroup:   "group99999.acmepaymentscorp",
			ForbiddenGroup: akanatest.SeedGroupID,
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
