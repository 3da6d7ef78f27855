package flickr_test

import (
	"net/http/httptest"
	"testing"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/fault"
	"github.com/groupgraph/groupgraph/providers/flickr"
	"github.com/groupgraph/groupgraph/providers/flickr/flickrtest"
	"github.com/groupgraph/groupgraph/providers/providertest"
)

// sandbox is a simulator loaded with the sandbox seed, served on loopback,
// and a client configured for it.
type sandbox struct {
	sim    *flickrtest.Simulator
	srv    *httptest.Server
	client *flickr.Client
	acct   providers.Account
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	sim := flickrtest.New()
	acct := sim.SeedSandbox()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &sandbox{sim: sim, srv: srv, client: newClient(t, srv.URL), acct: acct}
}

func newClient(t *testing.T, base string) *flickr.Client {
	t.Helper()
	c, err := flickr.New(flickr.Config{
		BaseURL:        base + "/services/rest",
		OAuthURL:       base + "/services/oauth",
		ConsumerKey:    flickrtest.SandboxConsumerKey,
		ConsumerSecret: flickrtest.SandboxConsumerSecret,
	})
	if err != nil {
		t.Fatalf("flickr.New: %v", err)
	}
	return c
}

func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providertest.Harness {
		sb := newSandbox(t)
		rejected := sb.acct
		rejected.Credentials = providers.Credentials{Token: "72157699999999999-deadbeefdeadbeef", Secret: "feedfacefeedface"}
		return providertest.Harness{
			Provider:        sb.client,
			Account:         sb.acct,
			Rejected:        rejected,
			MemberGroups:    append(append([]string(nil), flickrtest.SandboxSeedGroups...), flickrtest.SandboxLastAdminGroup, flickrtest.SandboxInviteOnlyGroup),
			OtherGroup:      flickrtest.SandboxOtherGroup,
			MissingGroup:    "99999999999@N99",
			SoleMemberGroup: flickrtest.SandboxSoleMemberGroup,
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
