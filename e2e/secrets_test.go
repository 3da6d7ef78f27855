package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/app"
	"github.com/groupgraph/groupgraph/internal/secrets"
	"github.com/groupgraph/groupgraph/internal/store"
	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/akana/akanatest"
	"github.com/groupgraph/groupgraph/providers/flickr/flickrtest"
	"github.com/groupgraph/groupgraph/providers/pageseeder/pageseedertest"
	"github.com/groupgraph/groupgraph/providers/upcoming/upcomingtest"
)

// TestNoSecretLeaks runs a whole life cycle — create a viewer and a token
// with the CLI, link all four platforms, query, leave a group, unlink —
// against a server started by app.Run at debug log level, then looks for the
// plaintext of every secret in the store's files, the logs and every
// GraphQL response, and finds none.
func TestNoSecretLeaks(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	getenv := envOf(secrets.EnvKey, testKey)

	flickrSim := flickrtest.New()
	flickrSim.SeedSandbox()
	flickrSim.AutoApprove(flickrtest.SandboxUserID)
	fsrv := httptest.NewServer(flickrSim)
	defer fsrv.Close()
	psSim := pageseedertest.New()
	if _, err := psSim.SeedSandbox(); err != nil {
		t.Fatal(err)
	}
	psSim.AuthorizeAs(pageseedertest.SandboxMemberID)
	psrv := httptest.NewServer(psSim)
	defer psrv.Close()
	upSim := upcomingtest.New()
	upSim.SeedSandbox()
	usrv := httptest.NewServer(upSim)
	defer usrv.Close()
	akSim := akanatest.New(akanatest.Options{Tenant: akanatest.DefaultTenant})
	akSim.SeedSandbox()
	asrv := httptest.NewServer(akSim)
	defer asrv.Close()

	// The PageSeeder client is registered with groupgraph's callback, so
	// the address must be known before the server starts.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "http://" + addr
	psSim.AddClient(pageseedertest.OAuthClient{
		ID: pageseedertest.SandboxClientID, Secret: pageseedertest.SandboxClientSecret,
		Grant: "authorization_code", RedirectURL: base + "/connect/pageseeder/callback",
	})
	cfg := fmt.Sprintf(`
providers:
  flickr:
    base_url: %[1]s/services/rest
    oauth_url: %[1]s/services/oauth
    consumer_key: %[2]s
    consumer_secret: %[3]s
  pageseeder:
    base_url: %[4]s
    client_id: %[5]s
    client_secret: %[6]s
    redirect_url: %[7]s/connect/pageseeder/callback
  upcoming:
    base_url: %[8]s%[9]s
    site_url: %[8]s/
    api_key: %[10]s
  akana:
    base_url: %[11]s
    tenant: %[12]s
linking:
  public_url: %[7]s
  return_url: https://app.example/done
  upcoming_approval_url: %[8]s/services/auth/?api_key=%[10]s
`, fsrv.URL, flickrtest.SandboxConsumerKey, flickrtest.SandboxConsumerSecret,
		psrv.URL, pageseedertest.SandboxClientID, pageseedertest.SandboxClientSecret, base,
		usrv.URL, upcomingtest.Path, upcomingtest.SandboxAPIKey, asrv.URL, akanatest.DefaultTenant)
	cfgFile := filepath.Join(dir, "groupgraph.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	common := []string{"-config", cfgFile, "-data-dir", dir}
	mustCLI(t, getenv, append([]string{"viewer", "create", "alice"}, common...)...)
	token := tokenRE.FindString(mustCLI(t, getenv, append([]string{"token", "create", "--viewer", "alice"}, common...)...))

	logs := &syncBuffer{}
	stdout := &syncBuffer{}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- app.Run(runCtx, append(common, "-listen", addr, "-log-level", "debug"), getenv, stdout, logs)
	}()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
		}
	}
	defer stop()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(stdout.String(), "listening"); {
		if time.Now().After(deadline) {
			t.Fatalf("not listening; logs: %s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}

	var responses strings.Builder
	gql := func(query string) string {
		_, body := post(t, base, token, query)
		responses.WriteString(body)
		return body
	}

	// Link the three redirect platforms as a browser does.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if r.URL.Host == "app.example" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	for _, k := range []providers.Kind{providers.Flickr, providers.PageSeeder, providers.Upcoming} {
		req, _ := http.NewRequest(http.MethodPost, base+"/connect/"+string(k), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		responses.Write(b)
		var start struct{ AuthorizeURL string }
		if err := json.Unmarshal(b, &start); err != nil || start.AuthorizeURL == "" {
			t.Fatalf("POST /connect/%s: %s %s", k, resp.Status, b)
		}
		var final *http.Response
		if k == providers.Upcoming {
			// The simulator has no approval page: IssueFrob is the approval.
			nb := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			r1, err := nb.Get(start.AuthorizeURL)
			if err != nil {
				t.Fatal(err)
			}
			r1 = pressContinue(t, nb, r1)
			r1.Body.Close()
			loc, _ := r1.Location()
			frob := upSim.IssueFrob(upcomingtest.SandboxAPIKey, upcomingtest.SandboxUserID)
			final, err = browser.Get(base + "/connect/upcoming/callback?" + url.Values{"frob": {frob}, "state": {loc.Query().Get("state")}}.Encode())
			if err != nil {
				t.Fatal(err)
			}
		} else {
			page, err := browser.Get(start.AuthorizeURL)
			if err != nil {
				t.Fatal(err)
			}
			final = pressContinue(t, browser, page)
		}
		final.Body.Close()
		if loc, _ := final.Location(); loc == nil || loc.Query().Get("linked") != string(k) {
			t.Fatalf("linking %s ended at %v", k, loc)
		}
	}
	if body := gql(`mutation { linkAkanaAccount(input: {email: "` + akanatest.SandboxEmail + `", password: "` + akanatest.SandboxPassword + `"}) { account { provider status } } }`); !strings.Contains(body, `"status":"ACTIVE"`) {
		t.Fatalf("linkAkanaAccount: %s", body)
	}

	// Every secret the store now holds, opened with the key.
	kr, _ := secrets.ParseKeyring(testKey)
	st, err := store.OpenSQLite(ctx, filepath.Join(dir, store.DefaultSQLiteFile), store.Options{Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := st.ViewerByName(ctx, "alice")
	accts, err := st.Accounts(ctx, alice.ID)
	st.Close()
	if err != nil || len(accts) != 4 {
		t.Fatalf("alice has %d accounts (%v), want 4", len(accts), err)
	}
	secretsSeen := map[string]string{"groupgraph access token": token, "Akana password": akanatest.SandboxPassword}
	for _, a := range accts {
		for name, v := range map[string]string{"token": a.Credentials.Token, "secret": a.Credentials.Secret, "refresh token": a.Credentials.RefreshToken} {
			if v != "" {
				secretsSeen[string(a.Provider)+" "+name] = v
			}
		}
	}
	for _, want := range []string{"flickr token", "flickr secret", "pageseeder token", "pageseeder refresh token", "upcoming token", "akana token", "akana secret"} {
		if secretsSeen[want] == "" {
			t.Errorf("no %s to look for", want)
		}
	}

	// Query, leave, unlink.
	body := gql(`{ viewer { accounts { id provider status linkedAt user { providerId } } memberships(first: 100) { totalCount incompleteProviders } } }`)
	if strings.Contains(body, `"errors"`) || strings.Count(body, `"status":"ACTIVE"`) != 4 || !strings.Contains(body, `"incompleteProviders":[]`) {
		t.Fatalf("viewer: %s", body)
	}
	leave := gql(`mutation { leaveGroup(input: {groupId: "` + encodeForTest("gg1:flickr:Group:"+flickrtest.SandboxSoleMemberGroup) + `"}) { groupDeleted errors { code } } }`)
	if !strings.Contains(leave, `"groupDeleted":true`) {
		t.Fatalf("leave: %s", leave)
	}
	var parsed struct {
		Data struct {
			Viewer struct {
				Accounts []struct{ ID, Provider string }
			}
		}
	}
	_ = json.Unmarshal([]byte(body), &parsed)
	for i, a := range parsed.Data.Viewer.Accounts {
		q := `mutation { unlinkAccount(input: {accountId: "` + a.ID + `"}) { provider } }`
		if i == 0 {
			// Beside a failing one, an unlink that happened still shows
			// its payload: only the failing mutation is null.
			q = `mutation { done: unlinkAccount(input: {accountId: "` + a.ID + `"}) { provider } failed: unlinkAccount(input: {accountId: "` + a.ID + `"}) { provider } }`
		}
		u := gql(q)
		if !strings.Contains(u, `"provider":"`+a.Provider+`"`) {
			t.Fatalf("unlink %s: %s", a.Provider, u)
		}
		if i == 0 && (!strings.Contains(u, `"failed":null`) || !strings.Contains(u, `"path":["failed"]`)) {
			t.Fatalf("unlinking an account twice in one request: %s, want the second null with its error", u)
		}
	}
	if body := gql(`{ viewer { accounts { id } } }`); !strings.Contains(body, `"accounts":[]`) {
		t.Errorf("after unlinking everything: %s", body)
	}
	stop()

	st, err = store.OpenSQLite(ctx, filepath.Join(dir, store.DefaultSQLiteFile), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	audit, err := st.ListAudit(ctx, alice.ID, 0)
	st.Close()
	if err != nil || len(audit) != 1 || audit[0].Outcome != "OK" || audit[0].GroupID != flickrtest.SandboxSoleMemberGroup {
		t.Errorf("audit = %+v, %v; want the one leave", audit, err)
	}

	places := map[string]string{"the logs": logs.String(), "the GraphQL responses": responses.String()}
	files, _ := filepath.Glob(filepath.Join(dir, store.DefaultSQLiteFile+"*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		places[filepath.Base(f)] = string(b)
	}
	if !strings.Contains(logs.String(), `"level":"DEBUG"`) && !strings.Contains(logs.String(), "linking: linked") {
		t.Error("the logs are suspiciously empty")
	}
	for where, text := range places {
		for what, secret := range secretsSeen {
			if strings.Contains(text, secret) {
				t.Errorf("the %s is in %s", what, where)
			}
		}
	}
}
