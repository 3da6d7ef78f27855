package pageseeder

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers/pageseeder/pageseedertest"
)

// listAnswer is the simulator's GET /self/memberships answer (JSON) for a
// member of groups generated groups, as the load scenario's fixture builds
// them.
func listAnswer(tb testing.TB, groups int) []byte {
	tb.Helper()
	sim := pageseedertest.New()
	sim.AddClient(pageseedertest.OAuthClient{
		ID: pageseedertest.SandboxClientID, Secret: pageseedertest.SandboxClientSecret,
		Grant: "authorization_code", RedirectURL: pageseedertest.SandboxRedirectURL,
	})
	created := time.Date(2015, 1, 1, 12, 0, 0, 0, time.UTC)
	const founder, mid int64 = 1, 100000
	sim.AddMember(pageseedertest.Member{ID: founder, Username: "founder", Firstname: "Fay", Surname: "Founder", Email: "founder@example.test"})
	sim.AddMember(pageseedertest.Member{ID: mid, Username: "viewer1", Firstname: "Viewer", Surname: "1", Email: "viewer1@example.test"})
	for g := range groups {
		id := int64(7000 + g)
		name := fmt.Sprintf("acme-group%04d", g)
		sim.AddGroup(pageseedertest.Group{
			ID: id, Name: name, Type: "group", Title: name, Description: "A generated public group.", Owner: "ACME",
			Access: "public", VisibleTo: "public", Template: "acme", Commenting: "contributor", Moderation: "none",
			Registration: "normal", DefaultRole: "reviewer", DefaultNotify: "daily", IndexVersion: 1,
		})
		sim.AddMembership(pageseedertest.Membership{GroupID: id, MemberID: founder, Role: "manager", Created: created})
		sim.AddMembership(pageseedertest.Membership{GroupID: id, MemberID: mid, Role: "contributor", Created: created.Add(time.Duration(1+g) * time.Hour)})
	}
	creds := sim.IssueToken(mid, pageseedertest.SandboxClientID)
	req := httptest.NewRequest(http.MethodGet, "/ps/service/self/memberships?subgroups=true", nil)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+creds.Token)
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		tb.Fatalf("simulator answered %d: %s", rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

// BenchmarkDecodeMemberships is the client's work on a /self/memberships
// answer of 25 memberships once the body is read: the document decoded and
// every membership converted, as Memberships does.
func BenchmarkDecodeMemberships(b *testing.B) {
	body := listAnswer(b, 25)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var doc wireMemberships
		if err := decodeJSON(body, &doc); err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, wm := range doc.Memberships {
			if wm.former() {
				continue
			}
			if _, ok := wm.toMembership("100000"); ok {
				n++
			}
		}
		if n != 25 {
			b.Fatalf("%d memberships, want 25", n)
		}
	}
}
