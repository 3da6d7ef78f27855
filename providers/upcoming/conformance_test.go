package upcoming_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/fault"
	"github.com/groupgraph/groupgraph/providers/providertest"
	"github.com/groupgraph/groupgraph/providers/upcoming"
	"github.com/groupgraph/groupgraph/providers/upcoming/upcomingtest"
)

// sandbox starts a seeded simulator and a client configured for it.
func sandbox(t *testing.T, cfg upcoming.Config) (*upcomingtest.Server, *upcoming.Client, providers.Account) {
	t.Helper()
	sim := upcomingtest.New()
	acct := sim.SeedSandbox()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	if cfg.BaseURL == "" {
		cfg.BaseURL = srv.URL + upcomingtest.Path
	}
	if cfg.APIKey == "" {
		cfg.APIKey = upcomingtest.SandboxAPIKey
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = srv.Client()
	}
	c, err := upcoming.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return sim, c, acct
}

func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providertest.Harness {
		sim, c, acct := sandbox(t, upcoming.Config{})
		rejected := acct
		rejected.Credentials = providers.Credentials{Token: "0123456789abcdef0123456789abcdef01234567"}
		return providertest.Harness{
			Provider:        c,
			Account:         acct,
			Rejected:        rejected,
			MemberGroups:    []string{"2083", "1972", strconv.Itoa(upcomingtest.SandboxLastAdminGroupID), "14"},
			OtherGroup:      strconv.Itoa(upcomingtest.SandboxOtherGroupID),
			MissingGroup:    "424242",
			SoleMemberGroup: strconv.Itoa(upcomingtest.SandboxSoleGroupID),
			FailNext: func(n int) {
				next := make([]fault.Kind, n)
				for i := range next {
					next[i] = []fault.Kind{fault.ServerError, fault.Custom}[i%2]
				}
				sim.Faults().Set(fault.Config{Next: next})
			},
			Hang: func() { sim.Faults().Set(fault.Config{Rate: 1, Kind: fault.Hang}) },
		}
	})
}

var _ http.Handler = (*upcomingtest.Server)(nil)
