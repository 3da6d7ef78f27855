package flickr

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/flickr/flickrtest"
)

// recordTransport serves requests from a handler in process and keeps the
// last response body.
type recordTransport struct {
	h    http.Handler
	last []byte
}

func (t *recordTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	resp := rec.Result()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	t.last = b
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

// membershipsBody is the simulator's flickr.people.getGroups answer (with
// every extra) for a user in n groups, as the load scenario sets them up.
func membershipsBody(tb testing.TB, n int) []byte {
	tb.Helper()
	sim := flickrtest.New()
	sim.AddApp(flickrtest.SandboxConsumerKey, flickrtest.SandboxConsumerSecret)
	created := time.Date(2010, 1, 1, 12, 0, 0, 0, time.UTC)
	founder, viewer := "1@N01", "30000000@N07"
	sim.AddUser(flickrtest.User{NSID: founder, Username: "founder", Realname: "Founder"})
	sim.AddUser(flickrtest.User{NSID: viewer, Username: "viewer", Realname: "Viewer"})
	roles := flickrtest.Roles{Member: "Member", Moderator: "Moderator", Admin: "Administrator"}
	for g := range n {
		id := fmt.Sprintf("%d@N20", 90000000+g)
		sim.AddGroup(flickrtest.Group{
			NSID: id, Name: fmt.Sprintf("Flickr group %04d", g), Description: "A generated public group.",
			Lang: "en-us", IconFarm: 1, IconServer: "1", Privacy: 3, Created: created, Roles: roles,
			Throttle: flickrtest.Throttle{Mode: "day", Count: 3}, Restrictions: flickrtest.Restrictions{PhotosOK: true, SafeOK: true},
			FounderID: founder, OtherMembers: 100 + 100*g, OtherPhotos: 1000,
		})
		sim.AddMember(id, flickrtest.Member{UserID: founder, Role: flickrtest.RoleAdmin, Joined: created})
		sim.AddMember(id, flickrtest.Member{UserID: viewer, Role: flickrtest.RoleMember, Joined: created.AddDate(0, 0, 1+g)})
	}
	const tok = "72157600000000001-bench"
	sim.AddToken(flickrtest.Token{Token: tok, Secret: "bench-secret", ConsumerKey: flickrtest.SandboxConsumerKey, UserID: viewer, Perms: flickrtest.PermDelete})
	rt := &recordTransport{h: sim}
	c, err := New(Config{
		BaseURL: "http://flickr.example/services/rest", OAuthURL: "http://flickr.example/services/oauth",
		ConsumerKey: flickrtest.SandboxConsumerKey, ConsumerSecret: flickrtest.SandboxConsumerSecret,
		HTTPClient: &http.Client{Transport: rt},
	})
	if err != nil {
		tb.Fatal(err)
	}
	ms, err := c.Memberships(tb.Context(), providers.Account{Provider: providers.Flickr, UserID: viewer,
		Credentials: providers.Credentials{Token: tok, Secret: "bench-secret"}})
	if err != nil || len(ms) != n {
		tb.Fatalf("Memberships: %d, %v", len(ms), err)
	}
	return rt.last
}

// BenchmarkDecodeMemberships decodes a people.getGroups answer of 25 and of
// 100 groups with the one-pass reader (decodeREST) and with encoding/json
// alone (the reference decoder, as the client decoded before the reader),
// the comparison BENCHMARKS.md bases the choice of decoder on.
func BenchmarkDecodeMemberships(b *testing.B) {
	for _, n := range []int{25, 100} {
		body := membershipsBody(b, n)
		b.Run(fmt.Sprintf("groups=%d/one-pass", n), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var r groupsResponse
				if p := decodeREST(methodGetGroups, body, &r); p != nil || len(r.Groups.Group) != n {
					b.Fatal(p)
				}
			}
		})
		b.Run(fmt.Sprintf("groups=%d/encoding-json", n), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var r refGroupsResponse
				if p := refDecodeREST(methodGetGroups, body, &r); p != nil || len(r.Groups.Group) != n {
					b.Fatal(p)
				}
			}
		})
	}
}
