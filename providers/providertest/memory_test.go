package providertest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/providertest"
)

// TestMemoryConforms runs the conformance suite against the in-memory
// provider, which keeps the suite itself honest: every check must pass on a
// provider that follows the contract.
func TestMemoryConforms(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providertest.Harness {
		m := providertest.NewMemory(providers.Flickr)
		m.Token = "good-token"
		m.AddUser(providers.User{ID: "me", Name: "Me"})
		for _, id := range []string{"g1", "g2", "solo", "other"} {
			m.AddGroup(providers.Group{ID: id, Name: "Group " + id, Details: &providers.FlickrDetails{Privacy: ptr(3)}})
		}
		t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		m.Join("g1", "me", providers.RoleMember, t0)
		m.Join("g1", "you", providers.RoleAdmin, t0)
		m.Join("g2", "me", providers.RoleAdmin, t0)
		m.Join("g2", "old", providers.RoleMember, t0.Add(time.Hour))
		m.Join("solo", "me", providers.RoleAdmin, t0)
		m.Join("other", "you", providers.RoleAdmin, t0)
		return providertest.Harness{
			Provider:        m,
			Account:         providers.Account{Provider: providers.Flickr, UserID: "me", Credentials: providers.Credentials{Token: "good-token"}},
			Rejected:        providers.Account{Provider: providers.Flickr, UserID: "me", Credentials: providers.Credentials{Token: "bad-token"}},
			MemberGroups:    []string{"g1", "g2"},
			OtherGroup:      "other",
			MissingGroup:    "nope",
			SoleMemberGroup: "solo",
			FailNext: func(int) {
				m.FailWith(providertest.MethodMemberships, fmt.Errorf("memory: %w", providers.ErrUnavailable))
			},
		}
	})
}

func ptr[T any](v T) *T { return &v }
