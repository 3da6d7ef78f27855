package akana

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/groupgraph/groupgraph/providers"
)

// The decoders face bodies from the network: whatever the bytes, they must
// return, not panic, and produce only valid domain values.

func FuzzDecodeChannel(f *testing.F) {
	seed, err := os.ReadFile("testdata/my_groups.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"channel":{"item":{"guid":"g.t","category":{"value":"leader","domain":"uddi:soa.com:role"}}}}`))
	f.Add([]byte(`{"channel":{"item":[{"title":5}]}}`))
	f.Add([]byte(`{"faultcode":"soap:Server","faultstring":"x"}`))
	f.Add([]byte(`<html>`))
	f.Add([]byte(`{"channel":{"item":[{"guid":{"value":"g"},"Image":{"Url":"javascript:x","Link":"../../../%zz"}}]}}`))
	c, err := New(Config{BaseURL: "https://portal.acme.example", Tenant: "acmepaymentscorp"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ch, err := decodeChannel(body)
		if err != nil {
			return
		}
		for _, m := range c.memberships("u.t", ch) {
			if m.Group.ID == "" || m.Group.Name == "" {
				t.Fatalf("membership without id or name: %+v", m)
			}
			switch m.Role {
			case providers.RoleAdmin, providers.RoleModerator, providers.RoleMember:
			default:
				t.Fatalf("role %q not normalized", m.Role)
			}
			switch m.Status {
			case providers.StatusActive, providers.StatusPending, providers.StatusRemoved:
			default:
				t.Fatalf("status %q not normalized", m.Status)
			}
			for _, u := range []*string{m.Group.URL, m.Group.IconURL} {
				if u != nil && !strings.HasPrefix(*u, "https://") && !strings.HasPrefix(*u, "http://") {
					t.Fatalf("unsafe URL %q", *u)
				}
			}
		}
	})
}

func FuzzDecodeGroup(f *testing.F) {
	f.Add([]byte(`{"GroupID":"group19212.acmepaymentscorp","Name":"ACME Payments API UG","Description":"ACME Payments API User Group","Visibility":"Limited","MemberCount":4,"Created":"2013-05-20T22:20:58Z"}`))
	f.Add([]byte(`{"MemberCount":-3,"AvatarURL":"data:x"}`))
	f.Add([]byte(`{"Name":{"a":1}}`))
	c, err := New(Config{BaseURL: "https://portal.acme.example", Tenant: "acmepaymentscorp"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := decodeGroup(body)
		if err != nil {
			return
		}
		g := c.groupFromDetails("g.t", d)
		if g.ID != "g.t" || g.Name == "" || !g.Complete || g.Details == nil {
			t.Fatalf("group %+v", g)
		}
		if g.MemberCount != nil && *g.MemberCount < 0 {
			t.Fatalf("negative member count")
		}
	})
}

func FuzzDecodeAPIError(f *testing.F) {
	for _, s := range []string{
		`{"faultcode":"soap:Server","faultstring":"An error occurred processing the call."}`,
		`Not Authorized`, `<html><body>503</body></html>`, `{"faultcode":5}`, "\x00\xff secret-token-1234",
	} {
		f.Add(500, "application/json", []byte(s))
		f.Add(401, "text/plain", []byte(s))
	}
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		e := decodeAPIError(status, contentType, body, "secret-token-1234")
		msg := e.Error()
		if strings.Contains(msg, "secret-token-1234") {
			t.Fatalf("message %q leaks the secret", msg)
		}
		if !utf8.ValidString(msg) && utf8.Valid(body) {
			t.Fatalf("message %q is not valid UTF-8", msg)
		}
		if len(e.Message) > 4*maxMessage+8 || len(e.FaultString) > 4*maxMessage+8 {
			t.Fatalf("message not bounded: %d", len(msg))
		}
		if kindOf(status) == nil || e.ProviderCode() == "" {
			t.Fatalf("status %d unclassified", status)
		}
	})
}

func FuzzLoginValidUntil(f *testing.F) {
	for _, s := range []string{`1369088458000`, `"2013-05-20T22:20:58Z"`, `null`, `-1`, `"99999999999999999999"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		_ = loginResponse{AuthTokenValidUntil: raw}.validUntil()
	})
}
