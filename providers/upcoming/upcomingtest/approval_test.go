package upcomingtest_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/groupgraph/groupgraph/providers/upcoming/upcomingtest"
)

func TestApprovalPage(t *testing.T) {
	sim := upcomingtest.New()
	sim.SeedSandbox()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	approve := func(apiKey string) (*http.Response, url.Values) {
		t.Helper()
		resp, err := noFollow.Get(srv.URL + upcomingtest.ApprovalPath + "?api_key=" + apiKey + "&state=s1")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if loc == nil {
			return resp, nil
		}
		return resp, loc.Query()
	}
	t.Run("an unregistered application is refused", func(t *testing.T) {
		if resp, _ := approve(upcomingtest.SandboxAPIKey); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("status %d, want 404 before a callback is registered", resp.StatusCode)
		}
	})
	sim.SetCallback(upcomingtest.SandboxAPIKey, "http://app.example/cb?x=1")
	t.Run("without an approver the callback gets no frob (denied)", func(t *testing.T) {
		_, q := approve(upcomingtest.SandboxAPIKey)
		if q.Get("frob") != "" || q.Get("state") != "s1" || q.Get("x") != "1" {
			t.Fatalf("callback query %v", q)
		}
	})
	t.Run("an approval hands back the state and a frob that works once", func(t *testing.T) {
		sim.AutoApprove(upcomingtest.SandboxUserID)
		_, q := approve(upcomingtest.SandboxAPIKey)
		frob := q.Get("frob")
		if frob == "" || q.Get("state") != "s1" {
			t.Fatalf("callback query %v", q)
		}
		get := func() int {
			resp, err := http.Get(srv.URL + upcomingtest.Path + "?method=auth.getToken&format=json&api_key=" + upcomingtest.SandboxAPIKey + "&frob=" + frob)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if code := get(); code != http.StatusOK {
			t.Fatalf("auth.getToken with the frob: %d", code)
		}
		if code := get(); code == http.StatusOK {
			t.Fatal("the frob worked twice")
		}
	})
}
