package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/app"
	"github.com/groupgraph/groupgraph/internal/config"
)

// syncBuffer is a bytes.Buffer safe for run's writes and the test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listening = regexp.MustCompile(`listening on (http://[^/\s]+)/graphql`)

// startRun runs the program with args until the test ends and returns its
// base URL and standard output.
func startRun(t *testing.T, args ...string) (string, *syncBuffer, func() error) {
	t.Helper()
	return startRunEnv(t, func(string) string { return "" }, args...)
}

// startRunEnv is startRun with an environment.
func startRunEnv(t *testing.T, getenv func(string) string, args ...string) (string, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, args, getenv, stdout, io.Discard) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			var once sync.Once
			var stopErr error
			stop := func() error {
				once.Do(func() {
					cancel()
					select {
					case stopErr = <-done:
					case <-time.After(15 * time.Second):
						stopErr = errors.New("run did not return after cancel")
					}
				})
				return stopErr
			}
			t.Cleanup(func() { _ = stop() })
			return m[1], stdout, stop
		}
		select {
		case err := <-done:
			t.Fatalf("run returned before listening: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("run did not start listening")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func post(t *testing.T, url, token, query string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", strings.NewReader(`{"query":`+quote(query)+`}`))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func TestRunServesAndShutsDownCleanly(t *testing.T) {
	url, stdout, stop := startRun(t, "-sandbox", "-listen", "127.0.0.1:0")
	status, body := post(t, url, "", "{ __typename }")
	if status != http.StatusOK || body != `{"data":{"__typename":"Query"}}` {
		t.Fatalf("{ __typename } = %d %s", status, body)
	}
	resp, err := http.Get(url + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := stop(); err != nil {
		t.Fatalf("run after cancel: %v", err)
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
	if !strings.Contains(stdout.String(), "SANDBOX") {
		t.Errorf("no sandbox banner in %q", stdout.String())
	}
}

// writeLog records each Write separately.
type writeLog struct {
	mu     sync.Mutex
	writes []string
}

func (w *writeLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

// The "listening" line and the sandbox's banner reach stdout in one write:
// a reader that stops at the "listening" line (a script, startRun) must
// find the token there too, not read between two writes.
func TestTheListeningLineCarriesTheSandboxBanner(t *testing.T) {
	out := &writeLog{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, []string{"-sandbox", "-listen", "127.0.0.1:0"}, func(string) string { return "" }, out, io.Discard)
	}()
	defer func() {
		cancel()
		<-done
	}()
	for {
		out.mu.Lock()
		var first string
		for _, w := range out.writes {
			if strings.Contains(w, "listening on") {
				first = w
				break
			}
		}
		out.mu.Unlock()
		if first != "" {
			if !strings.Contains(first, "Token:") {
				t.Fatalf("the write with the listening line lacks the banner's token: %q", first)
			}
			return
		}
		select {
		case err := <-done:
			t.Fatalf("run returned before listening: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestSandboxServesAllFourPlatforms(t *testing.T) {
	url, stdout, _ := startRun(t, "-sandbox", "-listen", "127.0.0.1:0")
	m := regexp.MustCompile(`Token:\s+(\S+)`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no token in the banner: %s", stdout.String())
	}
	status, body := post(t, url, m[1], `{ viewer { memberships(first: 100) { incompleteProviders nodes { provider } } } }`)
	if status != http.StatusOK || strings.Contains(body, `"errors"`) {
		t.Fatalf("%d %s", status, body)
	}
	for _, p := range []string{"FLICKR", "UPCOMING", "PAGESEEDER", "AKANA"} {
		if !strings.Contains(body, `"provider":"`+p+`"`) {
			t.Errorf("no %s membership in the sandbox", p)
		}
	}
	page, err := http.Get(url + "/")
	if err != nil || page.StatusCode != http.StatusOK {
		t.Fatalf("playground: %v %v", page, err)
	}
	b, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !strings.Contains(string(b), m[1]) {
		t.Error("the playground page does not preset the sandbox token")
	}
	t.Run("a reset restores a group the viewer left", func(t *testing.T) {
		count := func() string {
			_, body := post(t, url, m[1], `{ viewer { memberships(first: 1) { totalCount } } }`)
			return body
		}
		before := count()
		_, leaveBody := post(t, url, m[1], `mutation { leaveGroup(input: {groupId: "`+encodeForTest("gg1:flickr:Group:90000000002@N20")+`"}) { groupDeleted errors { code } } }`)
		if !strings.Contains(leaveBody, `"groupDeleted":true`) {
			t.Fatalf("leave: %s", leaveBody)
		}
		if count() == before {
			t.Fatal("the leave did not change the count")
		}
		out := &syncBuffer{}
		addr := strings.TrimPrefix(url, "http://")
		if err := app.Run(context.Background(), []string{"-sandbox-reset", "-listen", addr}, func(string) string { return "" }, out, io.Discard); err != nil {
			t.Fatalf("-sandbox-reset: %v", err)
		}
		if !strings.Contains(out.String(), "restored") {
			t.Errorf("-sandbox-reset printed %q", out.String())
		}
		if after := count(); after != before {
			t.Fatalf("after reset %s, want %s", after, before)
		}
	})
}

func TestRunWithoutProvidersSaysHowToStart(t *testing.T) {
	err := app.Run(context.Background(), []string{"-listen", "127.0.0.1:0"}, func(string) string { return "" }, io.Discard, io.Discard)
	if !errors.Is(err, app.ErrNoProviders) || !strings.Contains(err.Error(), "-sandbox") {
		t.Fatalf("err = %v, want the no-providers guidance", err)
	}
}

func TestSandboxLatencyAndFaults(t *testing.T) {
	url, stdout, _ := startRun(t, "-sandbox", "-listen", "127.0.0.1:0", "-sandbox-latency", "60ms", "-sandbox-faults", "akana=1")
	token := regexp.MustCompile(`Token:\s+(\S+)`).FindStringSubmatch(stdout.String())[1]
	start := time.Now()
	_, body := post(t, url, token, `{ viewer { memberships(first: 100) { incompleteProviders nodes { provider } } } }`)
	if took := time.Since(start); took < 60*time.Millisecond {
		t.Errorf("answered in %v despite 60ms of simulated latency", took)
	}
	if !strings.Contains(body, `"incompleteProviders":["AKANA"]`) || !strings.Contains(body, `"provider":"AKANA"`) || !strings.Contains(body, `"provider":"FLICKR"`) {
		t.Errorf("with akana failing every request: %s", body)
	}
}

func TestSandboxResetWithoutASandboxSaysSo(t *testing.T) {
	err := app.Run(context.Background(), []string{"-sandbox-reset", "-listen", "127.0.0.1:1"}, func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-sandbox") {
		t.Fatalf("err = %v", err)
	}
}

func TestProvidersShowHealthAndBudget(t *testing.T) {
	url, _, _ := startRun(t, "-sandbox", "-listen", "127.0.0.1:0")
	_, body := post(t, url, "", `{ providers { provider health { circuit } budget { limit remaining } } }`)
	want := `{"data":{"providers":[` +
		`{"provider":"FLICKR","health":{"circuit":"CLOSED"},"budget":{"limit":3600,"remaining":3600}},` +
		`{"provider":"UPCOMING","health":{"circuit":"CLOSED"},"budget":null},` +
		`{"provider":"PAGESEEDER","health":{"circuit":"CLOSED"},"budget":null},` +
		`{"provider":"AKANA","health":{"circuit":"CLOSED"},"budget":null}]}}`
	if body != want {
		t.Fatalf("providers = %s\nwant %s", body, want)
	}
}

func TestAFailingPlatformOpensItsCircuitAndTheRestIsServed(t *testing.T) {
	url, stdout, _ := startRun(t, "-sandbox", "-listen", "127.0.0.1:0", "-sandbox-faults", "upcoming=1")
	token := regexp.MustCompile(`Token:\s+(\S+)`).FindStringSubmatch(stdout.String())[1]
	q := `{ viewer { memberships(first: 100) { incompleteProviders nodes { provider } } } }`
	// Five failed calls open a circuit; retries are budgeted, so a query
	// adds one or two.
	for range 8 {
		post(t, url, token, q)
	}
	_, health := post(t, url, "", `{ providers { provider health { circuit } } }`)
	if !strings.Contains(health, `{"provider":"UPCOMING","health":{"circuit":"OPEN"}}`) {
		t.Fatalf("after repeated failures: %s", health)
	}
	start := time.Now()
	_, body := post(t, url, token, q)
	if !strings.Contains(body, "circuit open") || !strings.Contains(body, `"incompleteProviders":["UPCOMING"]`) || !strings.Contains(body, `"provider":"FLICKR"`) {
		t.Fatalf("with the circuit open: %s", body)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("an open circuit took %v to fail", took)
	}
}

func TestMetricsCountRealUpstreamCallsAndReadinessShowsCircuits(t *testing.T) {
	url, stdout, _ := startRun(t, "-sandbox", "-listen", "127.0.0.1:0")
	token := regexp.MustCompile(`Token:\s+(\S+)`).FindStringSubmatch(stdout.String())[1]
	post(t, url, token, `query Mine { viewer { memberships(first: 100) { nodes { group { description } } } } }`)
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	scrape := string(b)
	for _, want := range []string{
		`groupgraph_requests_total{operation="Mine",outcome="ok"} 1`,
		`groupgraph_upstream_requests_total{method="flickr.people.getGroups",outcome="ok",provider="flickr"} 1`,
		`groupgraph_upstream_requests_total{method="group.getMyGroups",outcome="ok",provider="upcoming"} 1`,
		`groupgraph_upstream_requests_total{method="GET self",outcome="ok",provider="pageseeder"} 1`,
		`provider="akana"`,
	} {
		if !strings.Contains(scrape, want) {
			t.Errorf("the scrape lacks %s", want)
		}
	}
	resp, err = http.Get(url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"flickr":"closed"`) || !strings.Contains(string(b), `"store":"ok"`) {
		t.Fatalf("/readyz = %d %s", resp.StatusCode, b)
	}
}

// TestAccountsCanBeLinkedInTheSandbox runs each redirect flow the way a web
// frontend does: POST /connect/{provider} with the bearer token, then a
// browser (a cookie jar, following redirects) through the simulator's
// approval page back to the callback.
func TestAccountsCanBeLinkedInTheSandbox(t *testing.T) {
	url, stdout, _ := startRun(t, "-sandbox", "-listen", "127.0.0.1:0")
	token := regexp.MustCompile(`Token:\s+(\S+)`).FindStringSubmatch(stdout.String())[1]
	for _, p := range []string{"flickr", "pageseeder", "upcoming"} {
		t.Run(p, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, url+"/connect/"+p, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var start struct{ AuthorizeURL string }
			err = json.NewDecoder(resp.Body).Decode(&start)
			resp.Body.Close()
			if err != nil || start.AuthorizeURL == "" {
				t.Fatalf("start: %d %v", resp.StatusCode, err)
			}
			jar, _ := cookiejar.New(nil)
			browser := &http.Client{Jar: jar}
			resp, err = browser.Get(start.AuthorizeURL)
			if err != nil {
				t.Fatal(err)
			}
			resp = pressContinue(t, browser, resp)
			resp.Body.Close()
			if got := resp.Request.URL.Query().Get("linked"); got != p {
				t.Fatalf("the flow ended at %s, want ?linked=%s", resp.Request.URL, p)
			}
		})
	}
}

// Upcoming's default base_url is plain http to another host: left at the
// default, it must be warned about like one written into the file.
func TestAPlatformLeftAtAPlainHTTPDefaultIsWarnedAbout(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Providers.Upcoming = &config.Upcoming{APIKey: "key"}
	var logs syncBuffer
	a, err := app.New(t.Context(), cfg, envOf(), slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	if !strings.Contains(logs.String(), `"setting":"providers.upcoming.base_url"`) {
		t.Errorf("no warning naming providers.upcoming.base_url:\n%s", logs.String())
	}
}
