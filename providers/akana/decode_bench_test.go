package akana

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers/akana/akanatest"
)

// membershipsBody is the simulator's groups feed for a user in n groups,
// the shape the load scenario's list calls decode. It is compacted, as the
// platform's own answers are, so that the decoder is measured on the same
// bytes whatever the simulator's formatting.
func membershipsBody(tb testing.TB, n int) []byte {
	tb.Helper()
	tenant := akanatest.DefaultTenant
	sim := akanatest.New(akanatest.Options{Tenant: tenant, SessionTTL: 24 * time.Hour})
	user := "00000000-0000-0000-0001-000000000001." + tenant
	if err := sim.AddUser(akanatest.User{ID: user, Email: "viewer@example.test", Name: "Viewer", UserName: "viewer"}); err != nil {
		tb.Fatal(err)
	}
	created := time.Date(2018, 1, 1, 12, 0, 0, 0, time.UTC)
	for g := range n {
		id := fmt.Sprintf("group%d.%s", 9000+g, tenant)
		if err := sim.AddGroup(akanatest.Group{ID: id, Name: fmt.Sprintf("Akana group %04d", g), Description: "A generated public group.",
			Visibility: akanatest.VisibilityPublic, Created: created, CreatedBy: user}); err != nil {
			tb.Fatal(err)
		}
		if err := sim.SetMembership(id, user, akanatest.RoleLeader, akanatest.StateApproved); err != nil {
			tb.Fatal(err)
		}
	}
	creds, err := sim.Login(user)
	if err != nil {
		tb.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "http://akana.example/api/users/"+user+"/groups", nil)
	req.AddCookie(&http.Cookie{Name: "AtmoAuthToken_" + tenant, Value: creds.Token})
	req.Header.Set("Accept", "application/json")
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		tb.Fatalf("groups feed: %d %s", rec.Code, rec.Body)
	}
	var out bytes.Buffer
	if err := json.Compact(&out, rec.Body.Bytes()); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

// BenchmarkDecodeMemberships decodes a groups feed of 25 and of 100 groups
// with the one-pass reader (decodeChannel) and with encoding/json alone
// (the reference decoder), the comparison BENCHMARKS.md bases the choice of
// decoder on.
func BenchmarkDecodeMemberships(b *testing.B) {
	c, err := New(Config{BaseURL: "https://portal.acme.example", Tenant: akanatest.DefaultTenant})
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{25, 100} {
		body := membershipsBody(b, n)
		if ch, err := decodeChannel(body); err != nil || len(c.memberships("u.t", ch)) != n {
			b.Fatalf("the benchmark's body does not decode to %d memberships: %v", n, err)
		}
		b.Run(fmt.Sprintf("groups=%d/one-pass", n), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decodeChannel(body); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("groups=%d/encoding-json", n), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := refDecodeChannel(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
