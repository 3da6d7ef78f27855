package linking_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/internal/accounts"
	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/internal/linking"
	"github.com/groupgraph/groupgraph/internal/store"
	"github.com/groupgraph/groupgraph/internal/store/storetest"
	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/flickr"
	"github.com/groupgraph/groupgraph/providers/flickr/flickrtest"
	"github.com/groupgraph/groupgraph/providers/pageseeder"
	"github.com/groupgraph/groupgraph/providers/pageseeder/pageseedertest"
	"github.com/groupgraph/groupgraph/providers/upcoming"
	"github.com/groupgraph/groupgraph/providers/upcoming/upcomingtest"
)

const returnURL = "https://app.example/linked"

// env is groupgraph's linking endpoints in front of the three simulators,
// with two viewers, alice and bob, holding real access tokens.
type env struct {
	srv           *httptest.Server
	st            store.Store
	clock         *storetest.Clock
	alice, bob    store.Viewer
	aliceT, bobT  string
	flickrSim     *flickrtest.Simulator
	pageseederSim *pageseedertest.Server
	upcomingSim   *upcomingtest.Server
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{clock: storetest.NewClock()}
	st, err := store.OpenSQLite(ctx, ":memory:", store.Options{Keyring: storetest.Keyring(t, "k1"), Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e.st = st
	for _, v := range []struct {
		name  string
		view  *store.Viewer
		token *string
	}{{"alice", &e.alice, &e.aliceT}, {"bob", &e.bob, &e.bobT}} {
		if *v.view, err = st.CreateViewer(ctx, v.name); err != nil {
			t.Fatal(err)
		}
		if *v.token, _, err = st.CreateToken(ctx, v.view.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}

	var h http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)

	e.flickrSim = flickrtest.New()
	e.flickrSim.SeedSandbox()
	e.flickrSim.AutoApprove(flickrtest.SandboxUserID)
	fsrv := httptest.NewServer(e.flickrSim)
	t.Cleanup(fsrv.Close)
	fc, err := flickr.New(flickr.Config{
		BaseURL: fsrv.URL + "/services/rest", OAuthURL: fsrv.URL + "/services/oauth",
		ConsumerKey: flickrtest.SandboxConsumerKey, ConsumerSecret: flickrtest.SandboxConsumerSecret,
	})
	if err != nil {
		t.Fatal(err)
	}

	e.pageseederSim = pageseedertest.New()
	if _, err := e.pageseederSim.SeedSandbox(); err != nil {
		t.Fatal(err)
	}
	callback := e.srv.URL + "/connect/pageseeder/callback"
	e.pageseederSim.AddClient(pageseedertest.OAuthClient{
		ID: pageseedertest.SandboxClientID, Secret: pageseedertest.SandboxClientSecret,
		Grant: "authorization_code", RedirectURL: callback,
	})
	e.pageseederSim.AuthorizeAs(pageseedertest.SandboxMemberID)
	psrv := httptest.NewServer(e.pageseederSim)
	t.Cleanup(psrv.Close)
	pc, err := pageseeder.New(pageseeder.Config{
		BaseURL: psrv.URL, ClientID: pageseedertest.SandboxClientID, ClientSecret: pageseedertest.SandboxClientSecret,
		RedirectURL: callback,
	})
	if err != nil {
		t.Fatal(err)
	}

	e.upcomingSim = upcomingtest.New()
	e.upcomingSim.SeedSandbox()
	usrv := httptest.NewServer(e.upcomingSim)
	t.Cleanup(usrv.Close)
	uc, err := upcoming.New(upcoming.Config{BaseURL: usrv.URL + upcomingtest.Path, SiteURL: usrv.URL + "/", APIKey: upcomingtest.SandboxAPIKey})
	if err != nil {
		t.Fatal(err)
	}

	vault := accounts.NewService(st, nil, nil)
	h = linking.New(linking.Config{
		Store: st,
		Linker: linking.LinkerFunc(func(ctx context.Context, viewerID string, a providers.Account) error {
			_, err := vault.Link(ctx, viewerID, a)
			return err
		}),
		Authenticator:       auth.NewTokens(st),
		Flickr:              fc,
		PageSeeder:          pc,
		Upcoming:            uc,
		ReturnURL:           returnURL,
		UpcomingApprovalURL: usrv.URL + "/services/auth/?api_key=" + upcomingtest.SandboxAPIKey,
	})
	return e
}

// browser is a person's browser: it keeps cookies and lets the test follow
// each redirect itself.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func redirect(t *testing.T, c *http.Client, u string) *url.URL {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET %s: %s, want a redirect", u, resp.Status)
	}
	loc, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// start asks for an authorize URL with the viewer's token, as a frontend
// does, then opens it in the browser; it returns the platform URL the
// browser is sent to.
func (e *env) start(t *testing.T, b *http.Client, k providers.Kind, token string) *url.URL {
	t.Helper()
	return openTicket(t, b, e.ticketURL(t, k, token))
}

// ticketURL asks for an authorize URL with the viewer's token.
func (e *env) ticketURL(t *testing.T, k providers.Kind, token string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/connect/"+string(k), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ AuthorizeURL string }
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&body) != nil || body.AuthorizeURL == "" {
		t.Fatalf("POST /connect/%s: %s", k, resp.Status)
	}
	if strings.Contains(body.AuthorizeURL, token) {
		t.Fatal("the authorize URL carries the access token")
	}
	return body.AuthorizeURL
}

var (
	formAction   = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	confirmInput = regexp.MustCompile(`name="confirm" value="([^"]+)"`)
)

// confirmationPage opens a ticket URL in the browser and returns the page,
// its form's action and the form's confirm value.
func confirmationPage(t *testing.T, b *http.Client, ticketURL string) (page, action, confirm string) {
	t.Helper()
	resp, err := b.Get(ticketURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	page = string(raw)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET %s: %s %s, want the confirmation page", ticketURL, resp.Status, resp.Header.Get("Content-Type"))
	}
	a, c := formAction.FindStringSubmatch(page), confirmInput.FindStringSubmatch(page)
	if a == nil || c == nil {
		t.Fatalf("the confirmation page has no form to continue with:\n%s", page)
	}
	return page, a[1], c[1]
}

// openTicket opens a ticket URL in the browser and presses Continue; it
// returns where that sends the browser.
func openTicket(t *testing.T, b *http.Client, ticketURL string) *url.URL {
	t.Helper()
	_, action, confirm := confirmationPage(t, b, ticketURL)
	u, _ := url.Parse(ticketURL)
	return post(t, b, u.Scheme+"://"+u.Host+action, confirm)
}

// post submits a confirmation form with the value confirm.
func post(t *testing.T, b *http.Client, action, confirm string) *url.URL {
	t.Helper()
	resp, err := b.PostForm(action, url.Values{"confirm": {confirm}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("POST %s: %s, want a redirect", action, resp.Status)
	}
	loc, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// approve is the person approving on the platform; it returns the callback
// URL the platform sends the browser to.
func (e *env) approve(t *testing.T, b *http.Client, k providers.Kind, platformURL *url.URL) *url.URL {
	t.Helper()
	switch k {
	case providers.Upcoming:
		// The simulator has no approval page: IssueFrob is the approval.
		frob := e.upcomingSim.IssueFrob(upcomingtest.SandboxAPIKey, upcomingtest.SandboxUserID)
		u, _ := url.Parse(e.srv.URL + "/connect/upcoming/callback?" + url.Values{"frob": {frob}, "state": {platformURL.Query().Get("state")}}.Encode())
		return u
	default:
		return redirect(t, b, platformURL.String())
	}
}

// finish follows the callback and returns the query of the return URL.
func finish(t *testing.T, b *http.Client, callback *url.URL) url.Values {
	t.Helper()
	loc := redirect(t, b, callback.String())
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != returnURL {
		t.Fatalf("the callback redirected to %s, want the return URL", got)
	}
	return loc.Query()
}

var flows = []struct {
	kind providers.Kind
	user string
}{
	{providers.Flickr, flickrtest.SandboxUserID},
	{providers.PageSeeder, strconv.FormatInt(pageseedertest.SandboxMemberID, 10)},
	{providers.Upcoming, strconv.Itoa(upcomingtest.SandboxUserID)},
}

func TestLinking(t *testing.T) {
	for _, f := range flows {
		t.Run(string(f.kind), func(t *testing.T) {
			t.Run("a completed flow stores the account, sealed, for the viewer who started it", func(t *testing.T) {
				e := newEnv(t)
				b := browser(t)
				got := finish(t, b, e.approve(t, b, f.kind, e.start(t, b, f.kind, e.aliceT)))
				if got.Get("linked") != string(f.kind) || got.Get("error") != "" {
					t.Fatalf("return URL query = %v, want linked=%s", got, f.kind)
				}
				accts, err := e.st.Accounts(context.Background(), e.alice.ID)
				if err != nil || len(accts) != 1 {
					t.Fatalf("alice's accounts = %d, %v; want 1", len(accts), err)
				}
				if a := accts[0]; a.Provider != f.kind || a.UserID != f.user || a.Credentials.Token == "" {
					t.Errorf("linked %s user %q (token set: %v), want %s user %q", a.Provider, a.UserID, a.Credentials.Token != "", f.kind, f.user)
				}
				if bobs, _ := e.st.Accounts(context.Background(), e.bob.ID); len(bobs) != 0 {
					t.Errorf("bob got %d accounts", len(bobs))
				}
			})
			t.Run("a replayed callback is refused", func(t *testing.T) {
				e := newEnv(t)
				b := browser(t)
				cb := e.approve(t, b, f.kind, e.start(t, b, f.kind, e.aliceT))
				if got := finish(t, b, cb); got.Get("linked") == "" {
					t.Fatalf("first callback: %v", got)
				}
				if got := finish(t, b, cb).Get("error"); got != linking.ErrInvalidState {
					t.Errorf("replayed callback: error=%q, want %q", got, linking.ErrInvalidState)
				}
			})
			t.Run("a callback after ten minutes is refused as expired", func(t *testing.T) {
				e := newEnv(t)
				b := browser(t)
				cb := e.approve(t, b, f.kind, e.start(t, b, f.kind, e.aliceT))
				e.clock.Advance(store.LinkStateTTL + time.Second)
				if got := finish(t, b, cb).Get("error"); got != linking.ErrExpiredState {
					t.Errorf("error=%q, want %q", got, linking.ErrExpiredState)
				}
				if accts, _ := e.st.LinkedAccounts(context.Background(), e.alice.ID); len(accts) != 0 {
					t.Errorf("an expired link stored %d accounts", len(accts))
				}
			})
			t.Run("a callback in another viewer's browser is refused", func(t *testing.T) {
				e := newEnv(t)
				alice, bob := browser(t), browser(t)
				cb := e.approve(t, alice, f.kind, e.start(t, alice, f.kind, e.aliceT))
				// Bob has a link of his own under way, so he holds a binding
				// cookie too — just not the one for alice's state.
				e.start(t, bob, f.kind, e.bobT)
				if got := finish(t, bob, cb).Get("error"); got != linking.ErrStateMismatch {
					t.Errorf("error=%q, want %q", got, linking.ErrStateMismatch)
				}
				for _, v := range []store.Viewer{e.alice, e.bob} {
					if accts, _ := e.st.LinkedAccounts(context.Background(), v.ID); len(accts) != 0 {
						t.Errorf("%s has %d accounts after a mismatched callback", v.Name, len(accts))
					}
				}
			})
			t.Run("a callback with the other viewer's bearer token is refused", func(t *testing.T) {
				e := newEnv(t)
				b := browser(t)
				cb := e.approve(t, b, f.kind, e.start(t, b, f.kind, e.aliceT))
				req, _ := http.NewRequest(http.MethodGet, cb.String(), nil)
				req.Header.Set("Authorization", "Bearer "+e.bobT)
				resp, err := http.DefaultTransport.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				loc, _ := resp.Location()
				if got := loc.Query().Get("error"); got != linking.ErrStateMismatch {
					t.Errorf("error=%q, want %q", got, linking.ErrStateMismatch)
				}
			})
			t.Run("a denied authorization links nothing", func(t *testing.T) {
				e := newEnv(t)
				b := browser(t)
				platformURL := e.start(t, b, f.kind, e.aliceT)
				q := url.Values{}
				switch f.kind {
				case providers.Flickr:
					// Flickr sends the person back without a verifier.
					q.Set("oauth_token", platformURL.Query().Get("oauth_token"))
				case providers.PageSeeder:
					q.Set("state", platformURL.Query().Get("state"))
					q.Set("error", "access_denied")
				case providers.Upcoming:
					q.Set("state", platformURL.Query().Get("state"))
				}
				cb, _ := url.Parse(e.srv.URL + "/connect/" + string(f.kind) + "/callback?" + q.Encode())
				if got := finish(t, b, cb).Get("error"); got != linking.ErrAccessDenied {
					t.Errorf("error=%q, want %q", got, linking.ErrAccessDenied)
				}
				if accts, _ := e.st.LinkedAccounts(context.Background(), e.alice.ID); len(accts) != 0 {
					t.Errorf("a denied link stored %d accounts", len(accts))
				}
			})
			t.Run("a ticket opens one flow only", func(t *testing.T) {
				e := newEnv(t)
				b := browser(t)
				ticket := e.ticketURL(t, f.kind, e.aliceT)
				openTicket(t, b, ticket)
				loc := redirect(t, b, ticket)
				if got := loc.Query().Get("error"); got != linking.ErrInvalidState {
					t.Errorf("second use of a ticket: error=%q, want %q", got, linking.ErrInvalidState)
				}
			})
			t.Run("a ticket asks whoever opens it to confirm, naming the viewer", func(t *testing.T) {
				// A ticket sent to someone else: their account must not land
				// in the sender's vault without them seeing whose it is.
				e := newEnv(t)
				victim := browser(t)
				page, action, confirm := confirmationPage(t, victim, e.ticketURL(t, f.kind, e.bobT))
				for _, want := range []string{"<strong>bob</strong>", platform(f.kind)} {
					if !strings.Contains(page, want) {
						t.Errorf("the confirmation page does not say %q:\n%s", want, page)
					}
				}
				if accts, _ := e.st.LinkedAccounts(context.Background(), e.bob.ID); len(accts) != 0 {
					t.Fatalf("opening the ticket linked %d accounts", len(accts))
				}
				// Continue is what starts the platform's flow.
				platformURL := post(t, victim, e.srv.URL+action, confirm)
				if platformURL.Host == "app.example" {
					t.Fatalf("Continue went to the return URL (%s), want the platform", platformURL)
				}
				// The page's value is single use.
				if got := post(t, victim, e.srv.URL+action, confirm).Query().Get("error"); got != linking.ErrInvalidState {
					t.Errorf("a second Continue: error=%q, want %q", got, linking.ErrInvalidState)
				}
			})
			t.Run("a Continue that did not come from the page is refused", func(t *testing.T) {
				// Another site can make the browser post the form, but the
				// browser sends the page's SameSite=Strict cookie only with
				// this site's own forms.
				e := newEnv(t)
				victim, forger := browser(t), browser(t)
				_, action, confirm := confirmationPage(t, victim, e.ticketURL(t, f.kind, e.bobT))
				if got := post(t, forger, e.srv.URL+action, confirm).Query().Get("error"); got != linking.ErrStateMismatch {
					t.Errorf("Continue without the page's cookie: error=%q, want %q", got, linking.ErrStateMismatch)
				}
				if got := post(t, victim, e.srv.URL+action, "made-up").Query().Get("error"); got != linking.ErrInvalidState {
					t.Errorf("Continue with a made-up value: error=%q, want %q", got, linking.ErrInvalidState)
				}
				if accts, _ := e.st.LinkedAccounts(context.Background(), e.bob.ID); len(accts) != 0 {
					t.Errorf("a refused Continue linked %d accounts", len(accts))
				}
			})
		})
	}
}

func platform(k providers.Kind) string {
	return map[providers.Kind]string{providers.Flickr: "Flickr", providers.PageSeeder: "PageSeeder", providers.Upcoming: "Upcoming"}[k]
}

// The confirmation page cannot be framed or run script, its cookie is only
// sent by this site's own forms, and a viewer's name is text, not markup.
func TestTheConfirmationPageIsShielded(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	eve, err := e.st.CreateViewer(ctx, `<img src=x onerror=alert(1)>`)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := e.st.CreateToken(ctx, eve.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := browser(t).Get(e.ticketURL(t, providers.Flickr, token))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(raw), "<img") || !strings.Contains(string(raw), "&lt;img src=x") {
		t.Errorf("the viewer's name is not escaped:\n%s", raw)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	if got := resp.Header.Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("X-Frame-Options = %q, want DENY", got)
	}
	var found bool
	for _, c := range resp.Cookies() {
		if c.Name == "groupgraph_confirm_flickr" {
			found = true
			if c.SameSite != http.SameSiteStrictMode || !c.HttpOnly || c.Path != "/connect/flickr" {
				t.Errorf("the confirmation cookie is SameSite %v, HttpOnly %v, Path %q; want Strict, true, /connect/flickr", c.SameSite, c.HttpOnly, c.Path)
			}
		}
	}
	if !found {
		t.Error("the confirmation page set no cookie")
	}
}

func TestStart(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, method, path, token string
		want                      int
	}{
		{"starting without a token is 401", http.MethodPost, "/connect/flickr", "", http.StatusUnauthorized},
		{"starting with a revoked or unknown token is 401", http.MethodPost, "/connect/flickr", "ggp_nope", http.StatusUnauthorized},
		{"redirecting without a token or ticket is 401", http.MethodGet, "/connect/flickr", "", http.StatusUnauthorized},
		{"a bearer GET redirects straight to the platform", http.MethodGet, "/connect/flickr", e.aliceT, http.StatusFound},
		{"Akana has no redirect flow", http.MethodPost, "/connect/akana", e.aliceT, http.StatusNotFound},
		{"an unknown platform is 404", http.MethodPost, "/connect/myspace", e.aliceT, http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, e.srv.URL+tc.path, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.want)
			}
		})
	}
}
