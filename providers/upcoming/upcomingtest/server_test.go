package upcomingtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/groupgraph/groupgraph/providers/fault"
	"github.com/groupgraph/groupgraph/providers/upcoming/upcomingtest"
)

// gateway sends one raw request; post puts the arguments in a form body.
func gateway(t *testing.T, srv *httptest.Server, post bool, args url.Values) (int, http.Header, string) {
	t.Helper()
	var (
		resp *http.Response
		err  error
	)
	if post {
		resp, err = srv.Client().PostForm(srv.URL+upcomingtest.Path, args)
	} else {
		resp, err = srv.Client().Get(srv.URL + upcomingtest.Path + "?" + args.Encode())
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

type rsp struct {
	Rsp struct {
		Stat  string           `json:"stat"`
		Group []map[string]any `json:"group"`
		Token []map[string]any `json:"token"`
		Error struct {
			Msg string `json:"msg"`
		} `json:"error"`
	} `json:"rsp"`
}

func decode(t *testing.T, body string) rsp {
	t.Helper()
	var r rsp
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	return r
}

func args(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func seeded(t *testing.T) (*upcomingtest.Server, *httptest.Server, string) {
	t.Helper()
	sim := upcomingtest.New()
	acct := sim.SeedSandbox()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv, acct.Credentials.Token
}

func TestSandboxServesTheSeedAsDocumented(t *testing.T) {
	t.Parallel()
	_, srv, tok := seeded(t)
	raw, err := os.ReadFile("seed/getmygroups.json")
	if err != nil {
		t.Fatal(err)
	}
	want := decode(t, string(raw)).Rsp.Group
	status, _, body := gateway(t, srv, false, args("method", "group.getMyGroups", "api_key", upcomingtest.SandboxAPIKey, "token", tok, "format", "json"))
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	got := decode(t, body).Rsp.Group
	// The sandbox user also belongs to the generated sole-member group,
	// which has the highest id and so comes first.
	if len(got) != len(want)+1 || got[0]["id"] != float64(upcomingtest.SandboxSoleGroupID) {
		t.Fatalf("got %d groups starting with %v, want the solo group then %d seed groups", len(got), got[0]["id"], len(want))
	}
	if diff := cmp.Diff(want, got[1:]); diff != "" {
		t.Errorf("seed groups (-doc +served):\n%s", diff)
	}
}

func TestCredentialChecks(t *testing.T) {
	t.Parallel()
	sim, srv, tok := seeded(t)
	sim.AddAPIKey("otherapp")
	foreign := sim.IssueToken("otherapp", upcomingtest.SandboxUserID)
	key := upcomingtest.SandboxAPIKey
	for _, tc := range []struct {
		name   string
		post   bool
		args   url.Values
		status int
		msg    string
	}{
		{"getMyGroups without an api_key is 404", false, args("method", "group.getMyGroups", "token", tok), 404, "Missing valid api_key"},
		{"getMyGroups with an unknown api_key is 404", false, args("method", "group.getMyGroups", "api_key", "nope", "token", tok), 404, "inactive or not found"},
		{"getInfo with an unknown api_key is 404", false, args("method", "group.getInfo", "api_key", "nope", "group_id", "14"), 404, "inactive or not found"},
		{"checkToken with an unknown api_key is 404", false, args("method", "auth.checkToken", "api_key", "nope", "token", tok), 404, "inactive or not found"},
		{"leave with an unknown api_key is 409", true, args("method", "group.leave", "api_key", "nope", "token", tok, "group_id", "14"), 409, "inactive or not found"},
		{"join without an api_key is 409", true, args("method", "group.join", "token", tok, "group_id", "90002"), 409, "Missing valid api_key"},
		{"getMyGroups without a token is 403", false, args("method", "group.getMyGroups", "api_key", key), 403, "Missing valid authentication"},
		{"getMyGroups with an unknown token is 403", false, args("method", "group.getMyGroups", "api_key", key, "token", strings.Repeat("0", 40)), 403, "Invalid authentication"},
		{"a token used with another application's key is 403", false, args("method", "group.getMyGroups", "api_key", key, "token", foreign), 403, "Invalid authentication"},
		{"leave with an unknown token is 403", true, args("method", "group.leave", "api_key", key, "token", "x", "group_id", "14"), 403, "Invalid authentication"},
		{"getInfo with an unknown token is 403", false, args("method", "group.getInfo", "api_key", key, "token", "x", "group_id", "14"), 403, "Invalid authentication"},
		{"checkToken with an unknown token is 404", false, args("method", "auth.checkToken", "api_key", key, "token", "x"), 404, "Token not found"},
		{"getToken with an unknown frob is 404", false, args("method", "auth.getToken", "api_key", key, "frob", "x"), 404, "Missing valid frob"},
		{"leave by GET is refused", false, args("method", "group.leave", "api_key", key, "token", tok, "group_id", "14"), 405, "requires HTTP POST"},
		{"getInfo with a non-numeric group_id is 404", false, args("method", "group.getInfo", "api_key", key, "group_id", "14,abc"), 404, "non-numeric"},
		{"leave of a group one is not in is 409", true, args("method", "group.leave", "api_key", key, "token", tok, "group_id", "90002"), 409, "not a member"},
		{"leave of a missing group is 409", true, args("method", "group.leave", "api_key", key, "token", tok, "group_id", "424242"), 409, "Invalid group_id"},
		{"an unknown method is 400", false, args("method", "group.delete", "api_key", key), 400, "Invalid method"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.args.Set("format", "json")
			status, hdr, body := gateway(t, srv, tc.post, tc.args)
			r := decode(t, body)
			if status != tc.status || r.Rsp.Stat != "fail" || !strings.Contains(r.Rsp.Error.Msg, tc.msg) {
				t.Errorf("got %d %s %q, want %d fail %q", status, r.Rsp.Stat, r.Rsp.Error.Msg, tc.status, tc.msg)
			}
			if ct := hdr.Get("Content-Type"); !strings.Contains(ct, "json") {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
	if ms := sim.Members(14); len(ms) != 169 {
		t.Errorf("group 14 has %d members after refused leaves, want 169", len(ms))
	}
}

func TestFormats(t *testing.T) {
	t.Parallel()
	sim, srv, tok := seeded(t)
	q := args("method", "group.getInfo", "api_key", upcomingtest.SandboxAPIKey, "group_id", "101", "token", tok)

	_, hdr, body := gateway(t, srv, false, q)
	if !strings.HasPrefix(hdr.Get("Content-Type"), "text/xml") || !strings.Contains(body, `<rsp stat="ok" version="1.0">`) ||
		!strings.Contains(body, `name="blasthaus fans"`) || !strings.Contains(body, `timestamp="2005-09-02 02:15:11"`) {
		t.Errorf("XML answer: %s %s", hdr.Get("Content-Type"), body)
	}
	q.Set("format", "json")
	_, _, body = gateway(t, srv, false, q)
	if g := decode(t, body).Rsp.Group; len(g) != 1 || g[0]["member_count"] != float64(55) || g[0]["moderation_level"] != "unmoderated" {
		t.Errorf("JSON answer: %s", body)
	}
	sim.SetXMLOnly(true)
	_, hdr, body = gateway(t, srv, false, q)
	if !strings.HasPrefix(hdr.Get("Content-Type"), "text/xml") || !strings.HasPrefix(body, "<?xml") {
		t.Errorf("XML-only server answered %s: %s", hdr.Get("Content-Type"), body)
	}
	status, _, body := gateway(t, srv, false, args("method", "group.getMyGroups", "api_key", upcomingtest.SandboxAPIKey))
	if status != 403 || !strings.Contains(body, `<rsp stat="fail">`) || !strings.Contains(body, `<error msg="Missing valid authentication`) {
		t.Errorf("XML failure: %d %s", status, body)
	}
}

func TestGetInfo(t *testing.T) {
	t.Parallel()
	sim, srv, tok := seeded(t)
	key := upcomingtest.SandboxAPIKey
	ids := func(body string) []any {
		var out []any
		for _, g := range decode(t, body).Rsp.Group {
			out = append(out, g["id"])
		}
		return out
	}
	t.Run("a private group is hidden from those who are not members", func(t *testing.T) {
		_, _, body := gateway(t, srv, false, args("method", "group.getInfo", "api_key", key, "group_id", "15,14", "format", "json"))
		if diff := cmp.Diff([]any{float64(14)}, ids(body)); diff != "" {
			t.Error(diff)
		}
		_, _, body = gateway(t, srv, false, args("method", "group.getInfo", "api_key", key, "group_id", "15,14", "token", tok, "format", "json"))
		if diff := cmp.Diff([]any{float64(15), float64(14)}, ids(body)); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("unknown ids are left out", func(t *testing.T) {
		_, _, body := gateway(t, srv, false, args("method", "group.getInfo", "api_key", key, "group_id", "424242,16", "format", "json"))
		if diff := cmp.Diff([]any{float64(16)}, ids(body)); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("a merged group answers 301 naming its new home", func(t *testing.T) {
		status, _, body := gateway(t, srv, false, args("method", "group.getInfo", "api_key", key, "group_id", "16,90003", "format", "json"))
		if msg := decode(t, body).Rsp.Error.Msg; status != 301 || msg != "The group 90003 has been permanently merged to http://upcoming.yahoo.com/group/2083/" {
			t.Errorf("got %d %q", status, msg)
		}
	})
	t.Run("the platform's own unavailability is a 503 envelope", func(t *testing.T) {
		sim.Faults().Set(fault.Config{Next: []fault.Kind{fault.Custom}})
		status, _, body := gateway(t, srv, false, args("method", "group.getInfo", "api_key", key, "group_id", "16", "format", "json"))
		if r := decode(t, body); status != 503 || !strings.Contains(r.Rsp.Error.Msg, "temporarily unavailable") {
			t.Errorf("got %d %s", status, body)
		}
	})
}

func TestLeaveRules(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2006, 1, 1, 0, 0, 0, 0, time.UTC)
	newSim := func(t *testing.T) (*upcomingtest.Server, *httptest.Server) {
		sim := upcomingtest.New()
		sim.AddAPIKey("key")
		for id := int64(1); id <= 4; id++ {
			sim.AddUser(upcomingtest.User{ID: id, Username: "u", Name: "U"})
		}
		sim.AddGroup(upcomingtest.Group{ID: 10, Name: "ten", Created: t0, OwnerUserID: 1})
		srv := httptest.NewServer(sim)
		t.Cleanup(srv.Close)
		return sim, srv
	}
	leave := func(t *testing.T, sim *upcomingtest.Server, srv *httptest.Server, user int64) int {
		tok := sim.IssueToken("key", user)
		status, _, body := gateway(t, srv, true, args("method", "group.leave", "api_key", "key", "token", tok, "group_id", "10", "format", "json"))
		if status == http.StatusOK && decode(t, body).Rsp.Stat != "ok" {
			t.Fatalf("leave answered %s", body)
		}
		return status
	}

	t.Run("the last admin leaving promotes the member who joined earliest", func(t *testing.T) {
		sim, srv := newSim(t)
		sim.AddMember(10, 1, t0, true)
		sim.AddMember(10, 2, t0.Add(2*time.Hour), false)
		sim.AddMember(10, 3, t0.Add(time.Hour), false)
		if s := leave(t, sim, srv, 1); s != 200 {
			t.Fatalf("leave: %d", s)
		}
		want := []upcomingtest.Member{{UserID: 3, Joined: t0.Add(time.Hour), Admin: true}, {UserID: 2, Joined: t0.Add(2 * time.Hour)}}
		if diff := cmp.Diff(want, sim.Members(10)); diff != "" {
			t.Errorf("members (-want +got):\n%s", diff)
		}
	})

	t.Run("an admin leaving beside another admin promotes nobody", func(t *testing.T) {
		sim, srv := newSim(t)
		sim.AddMember(10, 1, t0, true)
		sim.AddMember(10, 2, t0.Add(2*time.Hour), true)
		sim.AddMember(10, 3, t0.Add(time.Hour), false)
		leave(t, sim, srv, 1)
		if ms := sim.Members(10); ms[0].Admin || !ms[1].Admin {
			t.Errorf("members = %+v, want only user 2 admin", ms)
		}
	})

	t.Run("a member who is not an admin leaving promotes nobody", func(t *testing.T) {
		sim, srv := newSim(t)
		sim.AddMember(10, 1, t0, true)
		sim.AddMember(10, 2, t0.Add(time.Hour), false)
		sim.AddMember(10, 3, t0.Add(2*time.Hour), false)
		leave(t, sim, srv, 2)
		if ms := sim.Members(10); len(ms) != 2 || !ms[0].Admin || ms[1].Admin {
			t.Errorf("members = %+v", ms)
		}
	})

	t.Run("the last member leaving deletes the group, which may not be rejoined", func(t *testing.T) {
		sim, srv := newSim(t)
		sim.AddMember(10, 1, t0, true)
		leave(t, sim, srv, 1)
		if !sim.Deleted(10) {
			t.Fatal("group not deleted")
		}
		tok := sim.IssueToken("key", 1)
		status, _, body := gateway(t, srv, true, args("method", "group.join", "api_key", "key", "token", tok, "group_id", "10", "format", "json"))
		if status != 409 || !strings.Contains(decode(t, body).Rsp.Error.Msg, "Invalid group_id") {
			t.Errorf("rejoin: %d %s", status, body)
		}
		_, _, body = gateway(t, srv, false, args("method", "group.getInfo", "api_key", "key", "token", tok, "group_id", "10", "format", "json"))
		if g := decode(t, body).Rsp.Group; len(g) != 0 {
			t.Errorf("getInfo of a deleted group: %s", body)
		}
	})

	t.Run("joining a moderated group is queued with 202", func(t *testing.T) {
		sim, srv := newSim(t)
		sim.AddGroup(upcomingtest.Group{ID: 11, Name: "eleven", MemberModeration: true, Created: t0, OwnerUserID: 1})
		tok := sim.IssueToken("key", 2)
		status, _, _ := gateway(t, srv, true, args("method", "group.join", "api_key", "key", "token", tok, "group_id", "11", "format", "json"))
		if status != http.StatusAccepted || !sim.Pending(11, 2) || len(sim.Members(11)) != 0 {
			t.Errorf("join: %d pending %v", status, sim.Pending(11, 2))
		}
	})

	t.Run("joining twice or when banned is a conflict", func(t *testing.T) {
		sim, srv := newSim(t)
		sim.AddMember(10, 1, t0, true)
		sim.Ban(10, 3)
		for user, msg := range map[int64]string{1: "already a member", 3: "banned"} {
			tok := sim.IssueToken("key", user)
			status, _, body := gateway(t, srv, true, args("method", "group.join", "api_key", "key", "token", tok, "group_id", "10", "format", "json"))
			if status != 409 || !strings.Contains(decode(t, body).Rsp.Error.Msg, msg) {
				t.Errorf("user %d join: %d %s", user, status, body)
			}
		}
		tok := sim.IssueToken("key", 2)
		if status, _, body := gateway(t, srv, true, args("method", "group.join", "api_key", "key", "token", tok, "group_id", "10", "format", "json")); status != 200 {
			t.Errorf("open join: %d %s", status, body)
		}
	})
}

func TestFrobs(t *testing.T) {
	t.Parallel()
	sim := upcomingtest.New()
	sim.AddAPIKey("key")
	sim.AddUser(upcomingtest.User{ID: 674, Username: "getluky", Name: "Gordon Luk"})
	now := time.Date(2007, 1, 1, 0, 0, 0, 0, time.UTC)
	sim.SetClock(func() time.Time { return now })
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	exchange := func(frob string) (int, rsp) {
		status, _, body := gateway(t, srv, false, args("method", "auth.getToken", "api_key", "key", "frob", frob, "format", "json"))
		return status, decode(t, body)
	}

	frob := sim.IssueFrob("key", 674)
	status, r := exchange(frob)
	want := []map[string]any{{"token": r.Rsp.Token[0]["token"], "user_id": float64(674), "user_username": "getluky", "user_name": "Gordon Luk"}}
	if diff := cmp.Diff(want, r.Rsp.Token); status != 200 || diff != "" {
		t.Fatalf("getToken: %d (-want +got):\n%s", status, diff)
	}
	if tok, _ := r.Rsp.Token[0]["token"].(string); len(tok) != 40 {
		t.Errorf("token %q is not 40 digits", tok)
	}
	if status, _ := exchange(frob); status != 404 {
		t.Errorf("a frob used twice answered %d, want 404", status)
	}
	late := sim.IssueFrob("key", 674)
	sim.SetClock(func() time.Time { return now.Add(2 * time.Hour) })
	if status, _ := exchange(late); status != 404 {
		t.Errorf("an expired frob answered %d, want 404", status)
	}
}
