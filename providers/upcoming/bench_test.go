package upcoming

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/upcoming/upcomingtest"
)

// listAnswer is the simulator's group.getMyGroups answer for a member of
// groups generated groups, as the load scenario's fixture builds them, in
// JSON or in the default XML.
func listAnswer(tb testing.TB, groups int, asJSON bool) (contentType string, body []byte) {
	tb.Helper()
	sim := upcomingtest.New()
	const apiKey, tok, uid = "bench-key", "bench-token", int64(100000)
	sim.AddAPIKey(apiKey)
	created := time.Date(2007, 1, 1, 12, 0, 0, 0, time.UTC)
	sim.AddUser(upcomingtest.User{ID: 1, Username: "founder", Name: "Founder"})
	sim.AddUser(upcomingtest.User{ID: uid, Username: "viewer", Name: "Viewer"})
	for g := range groups {
		id := int64(5000 + g)
		sim.AddGroup(upcomingtest.Group{
			ID: id, Name: fmt.Sprintf("Upcoming group %04d", g), Description: "A generated public group.",
			ModerationLevel: "unmoderated", Created: created, OwnerUserID: 1,
		})
		sim.AddMember(id, 1, created, true)
		sim.AddMember(id, uid, created.Add(time.Duration(1+g)*time.Hour), false)
	}
	sim.SetToken(tok, apiKey, uid)
	q := url.Values{"method": {"group.getMyGroups"}, "api_key": {apiKey}, "token": {tok}}
	if asJSON {
		q.Set("format", "json")
	}
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, upcomingtest.Path+"?"+q.Encode(), nil))
	if rec.Code != http.StatusOK {
		tb.Fatalf("simulator answered %d: %s", rec.Code, rec.Body)
	}
	return rec.Header().Get("Content-Type"), rec.Body.Bytes()
}

// BenchmarkDecodeMemberships is the client's work on a group.getMyGroups
// answer of 25 groups once the body is read: the envelope and every group
// converted to a membership.
func BenchmarkDecodeMemberships(b *testing.B) {
	c, err := New(Config{APIKey: "bench-key"})
	if err != nil {
		b.Fatal(err)
	}
	acct := providers.Account{Provider: providers.Upcoming, UserID: "100000"}
	for _, format := range []string{"json", "xml"} {
		b.Run(format, func(b *testing.B) {
			ctype, body := listAnswer(b, 25, format == "json")
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				env, err := decodeEnvelope(ctype, body)
				if err != nil {
					b.Fatal(err)
				}
				ms := make([]providers.Membership, 0, len(env.Groups))
				for _, el := range env.Groups {
					g, err := c.group(el, false)
					if err != nil {
						b.Fatal(err)
					}
					ms = append(ms, membership(acct, g))
				}
				if len(ms) != 25 {
					b.Fatalf("%d memberships, want 25", len(ms))
				}
			}
		})
	}
}

// BenchmarkDecodeEnvelope is decodeEnvelope alone on answers of 25 and 100
// groups, with the one-pass reader and with encoding/json alone (the
// reference decoder), the comparison BENCHMARKS.md bases the choice of
// decoder on.
func BenchmarkDecodeEnvelope(b *testing.B) {
	for _, n := range []int{25, 100} {
		ctype, body := listAnswer(b, n, true)
		b.Run(fmt.Sprintf("groups=%d/one-pass", n), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if env, err := decodeEnvelope(ctype, body); err != nil || len(env.Groups) != n {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("groups=%d/encoding-json", n), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if env, err := refDecodeJSON(body); err != nil || len(env.Groups) != n {
					b.Fatal(err)
				}
			}
		})
	}
}
