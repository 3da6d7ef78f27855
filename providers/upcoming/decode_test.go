package upcoming

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeEnvelope(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, ctype, body string
		want              *envelope
	}{
		{"numbers and strings decode to the same text", "application/json",
			`{"rsp":{"stat":"ok","version":1,"group":[{"id":"15","member_count":2,"is_private":true,"x":{"nested":1},"y":null,"z":1.0}]}}`,
			&envelope{Stat: "ok", Groups: []element{{"id": "15", "member_count": "2", "is_private": "1", "z": "1.0"}}}},
		{"a lone group object is a list of one", "application/json",
			`{"rsp":{"stat":"ok","group":{"id":1,"name":"a"}}}`,
			&envelope{Stat: "ok", Groups: []element{{"id": "1", "name": "a"}}}},
		{"the JSON token array is read", "application/json",
			`{"rsp":{"stat":"ok","token":[{"token":"t","user_id":674,"user_name":"Gordon Luk","user_username":"getluky"}],"version":1}}`,
			&envelope{Stat: "ok", Tokens: []element{{"token": "t", "user_id": "674", "user_name": "Gordon Luk", "user_username": "getluky"}}}},
		{"a JSON error object gives its msg", "application/json",
			`{"rsp":{"stat":"fail","error":{"msg":"nope"}}}`, &envelope{Stat: "fail", Message: "nope"}},
		{"a JSON error string gives itself", "",
			`{"rsp":{"stat":"fail","error":"nope"}}`, &envelope{Stat: "fail", Message: "nope"}},
		{"the documentation's unclosed error XML gives its msg", "text/xml",
			"<rsp stat=\"fail\">\n  <error msg=\"Error Message\" />\n<rsp>", &envelope{Stat: "fail", Message: "Error Message"}},
		{"nested groups are not mistaken for top-level ones", "text/xml",
			`<rsp stat="ok"><event><group id="9"/></event><group id="1" name="a"/></rsp>`,
			&envelope{Stat: "ok", Groups: []element{{"id": "1", "name": "a"}}}},
		{"a byte order mark before XML is skipped", "",
			"\ufeff<rsp stat=\"ok\" version=\"1.0\"></rsp>", &envelope{Stat: "ok"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeEnvelope(tc.ctype, []byte(tc.body))
			if err != nil {
				t.Fatalf("decodeEnvelope: %v", err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(envelope{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeEnvelopeRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, ctype, body string }{
		{"an empty body", "", ""},
		{"plain text", "text/plain", "Service Unavailable"},
		{"an HTML page", "text/html", "<!DOCTYPE html><html><body>oops</body></html>"},
		{"truncated JSON", "application/json", `{"rsp":{"stat":"ok","group":[{"id":1`},
		{"JSON without stat", "application/json", `{"rsp":{"group":[]}}`},
		{"JSON with a numeric stat", "application/json", `{"rsp":{"stat":1}}`},
		{"a JSON array", "application/json", `[1,2]`},
		{"groups of the wrong type", "application/json", `{"rsp":{"stat":"ok","group":[1,2]}}`},
		{"truncated XML success", "text/xml", `<rsp stat="ok"><group id="1"`},
		{"an XML success never closed", "text/xml", `<rsp stat="ok"><group id="1"/>`},
		{"XML text after the envelope", "text/xml", `<rsp stat="ok"></rsp>trailing`},
		{"two XML envelopes", "text/xml", `<rsp stat="ok"></rsp><rsp stat="ok"></rsp>`},
		{"XML without stat", "text/xml", `<rsp></rsp>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got, err := decodeEnvelope(tc.ctype, []byte(tc.body)); err == nil {
				t.Errorf("decodeEnvelope = %+v, want an error", got)
			}
		})
	}
}

func TestParseInt(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{"15": 15, " 7 ": 7, "1.5e1": 15, "131.0": 131, "-3": -3} {
		if got, ok := parseInt(in); !ok || got != want {
			t.Errorf("parseInt(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "x", "1.5", "1e400", "NaN", "Inf"} {
		if got, ok := parseInt(in); ok {
			t.Errorf("parseInt(%q) = %d, want not ok", in, got)
		}
	}
}

// FuzzDecode feeds arbitrary bodies through the decoder and the group and
// token readers: whatever the upstream sends, the client returns a value or
// an error, never a panic or a hang.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"testdata/getmygroups.json", "testdata/getmygroups.xml"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add("", b)
		f.Add("application/json", b)
		f.Add("text/xml", b)
	}
	for _, s := range []string{
		"<rsp stat=\"fail\">\n  <error msg=\"Error Message\" />\n<rsp>",
		`<rsp stat="ok" version="1.0"><token token="t" user_id="674" user_username="getluky" user_name="Gordon Luk"/></rsp>`,
		`{"rsp":{"stat":"ok","token":[{"token":"t","user_id":674,"user_name":"getluky","user_username":"Gordon Luk"}],"version":1}}`,
		`{"rsp":{"stat":"fail","error":{"msg":"You are not a member of this group"}}}`,
		`{"rsp":{"stat":"ok","group":{"id":"1e3","name":7,"timestamp":"2005-09-02\n02:15:11","member_count":-1}}}`,
		`<html><body>503</body></html>`,
	} {
		f.Add("", []byte(s))
	}
	c, err := New(Config{APIKey: "k"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		env, err := decodeEnvelope(ctype, body)
		if err != nil {
			if !strings.Contains(err.Error(), errMalformed.Error()) {
				t.Fatalf("error %q does not say the body is malformed", err)
			}
			return
		}
		for _, el := range env.Groups {
			g, err := c.group(el, true)
			if err == nil && (g.ID == "" || g.Details == nil) {
				t.Fatalf("group without id or details: %+v", g)
			}
		}
		if len(env.Tokens) > 0 {
			_, _ = c.readToken("upcoming auth.checkToken", env, "")
		}
		_ = classify(200, env.Message)
		_ = sanitize(env.Message, "k")
	})
}
