package sandbox_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/groupgraph/groupgraph/internal/sandbox"
	"github.com/groupgraph/groupgraph/providers"
)

func TestTheSimulatorsCountCallsAndNewConnections(t *testing.T) {
	sb, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	base := sb.Describe().BaseURLs[providers.Akana]
	get := func(c *http.Client, path string) {
		t.Helper()
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	before := sb.Stats()[providers.Akana]
	reused := &http.Client{Transport: &http.Transport{}}
	defer reused.CloseIdleConnections()
	for range 3 {
		get(reused, "/api/groups/group19212.acmepaymentscorp")
	}
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for range 2 {
		get(fresh, "/api/users/someone/groups")
	}
	after := sb.Stats()[providers.Akana]
	if got := after.Calls - before.Calls; got != 5 {
		t.Errorf("calls: got %d, want 5", got)
	}
	// One connection reused for three calls, then one per call without
	// keep-alives.
	if got := after.Connections - before.Connections; got != 3 {
		t.Errorf("new connections: got %d, want 3", got)
	}
	if got := after.ByCall["GET /api/groups/{id}"] - before.ByCall["GET /api/groups/{id}"]; got != 3 {
		t.Errorf("detail calls by name: got %d, want 3 (by call: %v)", got, after.ByCall)
	}
}

func TestCallNamesLeaveOutArguments(t *testing.T) {
	for _, c := range []struct{ method, url, want string }{
		{"GET", "http://x/services/rest?method=flickr.groups.getInfo&group_id=123@N01", "GET flickr.groups.getInfo"},
		{"GET", "http://x/ps/service/groups/201.json", "GET /ps/service/groups/{id}"},
		{"DELETE", "http://x/api/groups/group1.acme/members/u2", "DELETE /api/groups/{id}/members/{id}"},
		{"GET", "http://x/ps/service/self/memberships?subgroups=true", "GET /ps/service/self/memberships"},
	} {
		t.Run(c.want, func(t *testing.T) {
			r, _ := http.NewRequest(c.method, c.url, nil)
			if got := sandbox.CallName(r); got != c.want {
				t.Errorf("got %q", got)
			}
		})
	}
}

func TestSimulateServesThePlatformsAndItsControlEndpoint(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- sandbox.Simulate(ctx, []string{"-latency", "0s"}, pw, io.Discard); pw.Close() }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	control := ""
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, "control="); ok {
			control = v
		}
	}
	if control == "" {
		t.Fatalf("no control address in %q", line)
	}
	var d sandbox.Description
	getJSON(t, control+"/sandbox", &d)
	if len(d.Accounts) != len(providers.Kinds) || len(d.BaseURLs) != len(providers.Kinds) {
		t.Errorf("description: %d accounts, %d base URLs, want %d each", len(d.Accounts), len(d.BaseURLs), len(providers.Kinds))
	}
	for _, k := range providers.Kinds {
		if !strings.Contains(line, string(k)+"="+d.BaseURLs[k]) {
			t.Errorf("the ready line %q does not name %s at %s", line, k, d.BaseURLs[k])
		}
		if !strings.Contains(d.ConfigYAML, d.BaseURLs[k]) {
			t.Errorf("the providers configuration does not point %s at its simulator:\n%s", k, d.ConfigYAML)
		}
	}
	var st map[providers.Kind]sandbox.PlatformStats
	getJSON(t, control+"/stats", &st)
	if len(st) != len(providers.Kinds) {
		t.Errorf("stats of %d platforms, want %d", len(st), len(providers.Kinds))
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("simulate ended with %v", err)
	}
}

func TestSimulateRefusesWhatItCannotServe(t *testing.T) {
	for _, args := range [][]string{{"-latency", "-1s"}, {"extra"}, {"-akana", "not an address"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if err := sandbox.Simulate(context.Background(), args, io.Discard, io.Discard); err == nil {
				t.Error("no error")
			}
		})
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
