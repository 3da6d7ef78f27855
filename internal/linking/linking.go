// Package linking serves the HTTP endpoints through which a viewer links a
// platform account with the platform's own authorization flow: Flickr OAuth
// 1.0a, PageSeeder OAuth2 authorization code with PKCE, and Upcoming's frob.
// (Akana links through the linkAkanaAccount mutation: it has no redirect
// flow.)
//
// A link is started by an authenticated viewer and finished by the browser
// the platform sends back:
//
//	POST /connect/{provider}           Authorization: Bearer → {"authorizeUrl": …}
//	GET  /connect/{provider}?ticket=…  (the browser) → a page asking to confirm
//	POST /connect/{provider}/confirm   (that page's form) → 302 to the platform
//	GET  /connect/{provider}           Authorization: Bearer → 302 to the platform
//	GET  /connect/{provider}/callback  (the platform's redirect) → 302 to the return URL
//
// A browser cannot send a bearer header on a navigation, so a web frontend
// POSTs first and navigates to the authorizeUrl it gets: a URL of this server
// carrying a single-use ticket that expires with the link state. Neither the
// access token nor a platform secret ever travels in a URL.
//
// Whoever opens a ticket URL links their platform account to the viewer who
// asked for the ticket, so a ticket sent to someone else would put their
// account in the sender's vault, and a platform that remembers an earlier
// approval sends the browser straight back. The ticket therefore opens a
// page naming the viewer and the platform, and only its Continue button
// starts the platform's flow. The button's form carries a single-use value
// that is also in a SameSite=Strict cookie set with the page: another site
// can neither read the value nor make the browser send the cookie with a
// form of its own, so no page but this one can press it. Starting a flow
// then sets a short-lived HttpOnly cookie that binds the pending link to the
// browser; the callback accepts the link only from that browser (or from a
// request carrying the starting viewer's bearer token). Every pending link
// is single use and expires after store.LinkStateTTL.
//
// The callback redirects to the configured return URL with ?linked=<provider>
// or ?error=<code> (see the Err* codes).
package linking

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/internal/secrets"
	"github.com/groupgraph/groupgraph/internal/store"
	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/flickr"
	"github.com/groupgraph/groupgraph/providers/pageseeder"
	"github.com/groupgraph/groupgraph/providers/upcoming"
)

// The codes the callback puts in the return URL's error parameter.
const (
	// ErrAccessDenied: the person declined on the platform.
	ErrAccessDenied = "access_denied"
	// ErrInvalidState: the callback's state is unknown or was used already.
	ErrInvalidState = "invalid_state"
	// ErrExpiredState: the link was not finished within ten minutes.
	ErrExpiredState = "expired_state"
	// ErrStateMismatch: the link was started by another viewer or in
	// another browser.
	ErrStateMismatch = "state_mismatch"
	// ErrLinkFailed: the platform refused to complete the link (a bad or
	// expired code, verifier or frob).
	ErrLinkFailed = "link_failed"
	// ErrUnavailable: the platform or groupgraph's store failed; try again.
	ErrUnavailable = "unavailable"
)

// Linker stores a freshly linked account for a viewer; accounts.Service
// implements it.
type Linker interface {
	Link(ctx context.Context, viewerID string, acct providers.Account) error
}

// LinkerFunc adapts a function to Linker.
type LinkerFunc func(ctx context.Context, viewerID string, acct providers.Account) error

// Link implements Linker.
func (f LinkerFunc) Link(ctx context.Context, viewerID string, acct providers.Account) error {
	return f(ctx, viewerID, acct)
}

// Config configures the endpoints. A nil platform client leaves that
// platform's endpoints answering 404.
type Config struct {
	// Store keeps the pending link states.
	Store store.Store
	// Linker stores the linked accounts.
	Linker Linker
	// Authenticator resolves the bearer token of the starting request.
	Authenticator auth.Authenticator
	// Flickr, PageSeeder and Upcoming are the platform clients.
	Flickr     *flickr.Client
	PageSeeder *pageseeder.Client
	Upcoming   *upcoming.Client
	// PublicURL is this server's base URL as browsers reach it (e.g.
	// https://api.example.com), for the URLs the platforms redirect to.
	// Empty derives it from each request's Host.
	PublicURL string
	// ReturnURL is where the callback finally sends the browser, with
	// ?linked=<provider> or ?error=<code>. Empty means "/".
	ReturnURL string
	// UpcomingApprovalURL is Upcoming's approval page for this
	// application (its api_key included); the handler adds state. The
	// platform sends the person back to /connect/upcoming/callback with the
	// frob and the state.
	UpcomingApprovalURL string
	// Logger records link outcomes, never a secret; nil discards.
	Logger *slog.Logger
}

// Handler serves /connect/….
type Handler struct {
	cfg Config
	mux *http.ServeMux
	log *slog.Logger
}

// New returns the linking endpoints.
func New(cfg Config) *Handler {
	h := &Handler{cfg: cfg, mux: http.NewServeMux(), log: cfg.Logger}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.cfg.ReturnURL == "" {
		h.cfg.ReturnURL = "/"
	}
	h.mux.HandleFunc("POST /connect/{provider}", h.serveStartJSON)
	h.mux.HandleFunc("GET /connect/{provider}", h.serveStartRedirect)
	h.mux.HandleFunc("POST /connect/{provider}/confirm", h.serveConfirm)
	h.mux.HandleFunc("GET /connect/{provider}/callback", h.serveCallback)
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	h.mux.ServeHTTP(w, r)
}

// flow is one platform's redirect flow.
type flow interface {
	// begin creates whatever the platform needs first and returns the
	// state key the callback will carry, the secret the callback needs,
	// and the platform URL to send the person to.
	begin(ctx context.Context, callbackURL string) (key, secret, authorizeURL string, err error)
	// callbackKey reads the state key from the callback; "" when absent.
	callbackKey(q url.Values) string
	// denied reports whether the callback says the person declined.
	denied(q url.Values) bool
	// finish exchanges what the callback carries for the account.
	finish(ctx context.Context, q url.Values, secret string) (providers.Account, error)
}

func (h *Handler) flow(k providers.Kind) (flow, bool) {
	switch {
	case k == providers.Flickr && h.cfg.Flickr != nil:
		return flickrFlow{h.cfg.Flickr}, true
	case k == providers.PageSeeder && h.cfg.PageSeeder != nil:
		return pageseederFlow{h.cfg.PageSeeder}, true
	case k == providers.Upcoming && h.cfg.Upcoming != nil && h.cfg.UpcomingApprovalURL != "":
		return upcomingFlow{h.cfg.Upcoming, h.cfg.UpcomingApprovalURL}, true
	}
	return nil, false
}

// pending is what a link state's sealed secret holds.
type pending struct {
	// Ticket marks a start ticket rather than a platform flow.
	Ticket bool `json:"t,omitempty"`
	// Confirm marks a confirmation page's pending Continue.
	Confirm bool `json:"c,omitempty"`
	// Secret is the platform flow's secret (request-token secret, PKCE
	// verifier).
	Secret string `json:"s,omitempty"`
	// Binding is the SHA-256 of the browser-binding cookie's value.
	Binding string `json:"b,omitempty"`
}

// kind is the key prefix of the pending link p is the secret of.
func (p pending) kind() string {
	switch {
	case p.Ticket:
		return ticketKeyPrefix
	case p.Confirm:
		return confirmKeyPrefix
	}
	return flowKeyPrefix
}

// Link states of tickets, confirmations and platform flows live under
// distinct key prefixes, so that none can be presented as another.
const (
	ticketKeyPrefix  = "ticket:"
	confirmKeyPrefix = "confirm:"
	flowKeyPrefix    = "flow:"
)

func cookieName(k providers.Kind) string { return "groupgraph_link_" + string(k) }

func confirmCookieName(k providers.Kind) string { return "groupgraph_confirm_" + string(k) }

// serveStartJSON creates a ticket for the bearer's viewer and answers the
// URL the browser should open.
func (h *Handler) serveStartJSON(w http.ResponseWriter, r *http.Request) {
	k, _, ok := h.provider(w, r, true)
	if !ok {
		return
	}
	v, ok := h.bearer(w, r)
	if !ok {
		return
	}
	ticket, err := secrets.NewState()
	if err != nil {
		writeJSONError(w, http.StatusInternalServerError, "INTERNAL", "could not start the link")
		return
	}
	b, _ := json.Marshal(pending{Ticket: true})
	st, err := h.cfg.Store.SaveLinkState(r.Context(), ticketKeyPrefix+ticket, store.LinkState{ViewerID: v.ID, Provider: k, Secret: string(b)})
	if err != nil {
		h.log.ErrorContext(r.Context(), "linking: saving a ticket failed", "provider", k, "error", err)
		writeJSONError(w, http.StatusServiceUnavailable, "INTERNAL", "could not start the link")
		return
	}
	u := h.publicURL(r) + "/connect/" + string(k) + "?" + url.Values{"ticket": {ticket}}.Encode()
	writeJSON(w, http.StatusOK, map[string]any{"authorizeUrl": u, "expiresAt": st.ExpiresAt.UTC().Format(time.RFC3339)})
}

// serveStartRedirect answers a ticket with the confirmation page, and a
// bearer header by starting the platform flow for its viewer.
func (h *Handler) serveStartRedirect(w http.ResponseWriter, r *http.Request) {
	k, f, ok := h.provider(w, r, true)
	if !ok {
		return
	}
	if ticket := r.URL.Query().Get("ticket"); ticket != "" {
		h.serveConfirmPage(w, r, k, ticket)
		return
	}
	v, ok := h.bearer(w, r)
	if !ok {
		return
	}
	h.startFlow(w, r, k, f, v.ID)
}

// serveConfirmPage spends a ticket on a page that names the viewer the link
// is for and asks the person to continue.
func (h *Handler) serveConfirmPage(w http.ResponseWriter, r *http.Request, k providers.Kind, ticket string) {
	st, _, ok := h.consume(w, r, k, ticketKeyPrefix, ticket)
	if !ok {
		return
	}
	viewer, err := h.cfg.Store.ViewerByID(r.Context(), st.ViewerID)
	if err != nil {
		h.log.WarnContext(r.Context(), "linking: the ticket's viewer could not be read", "provider", k, "error", err)
		h.finishRedirect(w, r, k, ErrUnavailable)
		return
	}
	confirm, err := secrets.NewState()
	if err != nil {
		h.finishRedirect(w, r, k, ErrUnavailable)
		return
	}
	cookie, err := secrets.NewState()
	if err != nil {
		h.finishRedirect(w, r, k, ErrUnavailable)
		return
	}
	b, _ := json.Marshal(pending{Confirm: true, Binding: hashHex(cookie)})
	if _, err := h.cfg.Store.SaveLinkState(r.Context(), confirmKeyPrefix+confirm, store.LinkState{ViewerID: st.ViewerID, Provider: k, Secret: string(b)}); err != nil {
		h.log.ErrorContext(r.Context(), "linking: saving the confirmation failed", "provider", k, "error", err)
		h.finishRedirect(w, r, k, ErrUnavailable)
		return
	}
	var page bytes.Buffer
	if err := confirmPage.Execute(&page, map[string]string{
		"Platform": platformName(k), "Viewer": viewer.Name,
		"Action": "/connect/" + string(k) + "/confirm", "Confirm": confirm,
		"Cancel": h.returnURL(k, ErrAccessDenied),
	}); err != nil {
		h.finishRedirect(w, r, k, ErrUnavailable)
		return
	}
	h.setCookie(w, r, k, confirmCookieName(k), cookie, http.SameSiteStrictMode)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(page.Bytes())
}

// serveConfirm is the confirmation page's Continue: it starts the platform
// flow for the viewer the page named, when the form comes from that page.
func (h *Handler) serveConfirm(w http.ResponseWriter, r *http.Request) {
	k, f, ok := h.provider(w, r, true)
	if !ok {
		return
	}
	// Clear the page's cookie whatever happens next.
	h.setCookie(w, r, k, confirmCookieName(k), "", http.SameSiteStrictMode)
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	confirm := ""
	if r.ParseForm() == nil {
		confirm = r.PostForm.Get("confirm")
	}
	st, p, ok := h.consume(w, r, k, confirmKeyPrefix, confirm)
	if !ok {
		return
	}
	if !cookieMatches(r, confirmCookieName(k), p.Binding) {
		h.log.WarnContext(r.Context(), "linking: a confirmation from outside its page", "provider", k)
		h.finishRedirect(w, r, k, ErrStateMismatch)
		return
	}
	h.startFlow(w, r, k, f, st.ViewerID)
}

// confirmPage asks the person who opened a ticket whether to link their
// account to the viewer who asked for it.
var confirmPage = template.Must(template.New("confirm").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Link your {{.Platform}} account</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32em;margin:4em auto;padding:0 1em}button{font:inherit;padding:.4em 1.2em}</style>
</head><body>
<h1>Link your {{.Platform}} account</h1>
<p>Continue to {{.Platform}} and link the account you sign in with there to the groupgraph viewer <strong>{{.Viewer}}</strong>. That viewer will be able to read your {{.Platform}} groups and leave them.</p>
<p>If you did not ask for this, or do not know that viewer, cancel.</p>
<form method="post" action="{{.Action}}"><input type="hidden" name="confirm" value="{{.Confirm}}">
<button type="submit">Continue to {{.Platform}}</button> <a href="{{.Cancel}}">Cancel</a></form>
</body></html>
`))

func platformName(k providers.Kind) string {
	switch k {
	case providers.Flickr:
		return "Flickr"
	case providers.PageSeeder:
		return "PageSeeder"
	case providers.Upcoming:
		return "Upcoming"
	}
	return string(k)
}

// startFlow starts the platform flow for viewerID and redirects to the
// platform.
func (h *Handler) startFlow(w http.ResponseWriter, r *http.Request, k providers.Kind, f flow, viewerID string) {
	binding, err := secrets.NewState()
	if err != nil {
		h.finishRedirect(w, r, k, ErrUnavailable)
		return
	}
	callback := h.publicURL(r) + "/connect/" + string(k) + "/callback"
	key, secret, authorizeURL, err := f.begin(r.Context(), callback)
	if err != nil {
		h.log.WarnContext(r.Context(), "linking: the platform refused to start", "provider", k, "error", err)
		h.finishRedirect(w, r, k, ErrUnavailable)
		return
	}
	b, _ := json.Marshal(pending{Secret: secret, Binding: hashHex(binding)})
	if _, err := h.cfg.Store.SaveLinkState(r.Context(), flowKeyPrefix+key, store.LinkState{ViewerID: viewerID, Provider: k, Secret: string(b)}); err != nil {
		h.log.ErrorContext(r.Context(), "linking: saving the link state failed", "provider", k, "error", err)
		h.finishRedirect(w, r, k, ErrUnavailable)
		return
	}
	h.setCookie(w, r, k, cookieName(k), binding, http.SameSiteLaxMode)
	h.log.InfoContext(r.Context(), "linking: started", "provider", k, "viewer", viewerID)
	http.Redirect(w, r, authorizeURL, http.StatusFound)
}

// serveCallback finishes a flow and sends the browser to the return URL.
func (h *Handler) serveCallback(w http.ResponseWriter, r *http.Request) {
	k, f, ok := h.provider(w, r, false)
	if !ok {
		return
	}
	// The binding cookie has done its job whatever happens next.
	h.setCookie(w, r, k, cookieName(k), "", http.SameSiteLaxMode)
	q := r.URL.Query()
	// Consume first: a state is good for one callback, whatever its fate.
	st, p, ok := h.consume(w, r, k, flowKeyPrefix, f.callbackKey(q))
	if !ok {
		return
	}
	if !h.sameViewer(r, k, st.ViewerID, p.Binding) {
		h.log.WarnContext(r.Context(), "linking: callback from another viewer or browser", "provider", k)
		h.finishRedirect(w, r, k, ErrStateMismatch)
		return
	}
	if f.denied(q) {
		h.log.InfoContext(r.Context(), "linking: denied on the platform", "provider", k, "viewer", st.ViewerID)
		h.finishRedirect(w, r, k, ErrAccessDenied)
		return
	}
	acct, err := f.finish(r.Context(), q, p.Secret)
	if err != nil {
		code := ErrUnavailable
		switch providers.KindOf(err) {
		case providers.ErrUnauthenticated, providers.ErrForbidden, providers.ErrInvalid, providers.ErrNotFound:
			code = ErrLinkFailed
		}
		h.log.WarnContext(r.Context(), "linking: completing the link failed", "provider", k, "viewer", st.ViewerID, "error", err)
		h.finishRedirect(w, r, k, code)
		return
	}
	if err := h.cfg.Linker.Link(r.Context(), st.ViewerID, acct); err != nil {
		h.log.ErrorContext(r.Context(), "linking: storing the account failed", "provider", k, "viewer", st.ViewerID, "error", err)
		h.finishRedirect(w, r, k, ErrUnavailable)
		return
	}
	h.log.InfoContext(r.Context(), "linking: linked", "provider", k, "viewer", st.ViewerID, "user", acct.UserID)
	h.finishRedirect(w, r, k, "")
}

// sameViewer reports whether the callback comes from whoever started the
// link: the browser holding the binding cookie, or a client presenting the
// starting viewer's bearer token.
func (h *Handler) sameViewer(r *http.Request, k providers.Kind, viewerID, binding string) bool {
	if authz := r.Header.Get("Authorization"); authz != "" {
		scheme, token, ok := strings.Cut(authz, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return false
		}
		v, err := h.cfg.Authenticator.Authenticate(r.Context(), strings.TrimSpace(token))
		return err == nil && v != nil && v.ID == viewerID
	}
	return cookieMatches(r, cookieName(k), binding)
}

// setCookie sets one of platform k's link cookies for as long as a pending
// link lives, or clears it when value is empty. They are HttpOnly, scoped to
// /connect/{provider}, and Secure when browsers reach the server over https.
func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, k providers.Kind, name, value string, sameSite http.SameSite) {
	maxAge := int(store.LinkStateTTL / time.Second)
	if value == "" {
		maxAge = -1
	}
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/connect/" + string(k), MaxAge: maxAge,
		HttpOnly: true, SameSite: sameSite, Secure: strings.HasPrefix(h.publicURL(r), "https://"),
	})
}

// cookieMatches reports whether the request carries the cookie name whose
// value hashes to binding.
func cookieMatches(r *http.Request, name, binding string) bool {
	c, err := r.Cookie(name)
	if err != nil || c.Value == "" || binding == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(hashHex(c.Value)), []byte(binding)) == 1
}

// consume takes the pending link saved under prefix+key, which must be of
// the kind prefix names (a ticket, a confirmation, a platform flow). An
// empty key is an invalid state. On failure it has sent the browser to the
// return URL with the reason.
func (h *Handler) consume(w http.ResponseWriter, r *http.Request, k providers.Kind, prefix, key string) (store.LinkState, pending, bool) {
	if key == "" {
		h.finishRedirect(w, r, k, ErrInvalidState)
		return store.LinkState{}, pending{}, false
	}
	st, err := h.cfg.Store.ConsumeLinkState(r.Context(), k, prefix+key)
	if code := stateError(err); code != "" {
		h.log.InfoContext(r.Context(), "linking: refused", "provider", k, "step", strings.TrimSuffix(prefix, ":"), "reason", code)
		h.finishRedirect(w, r, k, code)
		return st, pending{}, false
	}
	var p pending
	if json.Unmarshal([]byte(st.Secret), &p) != nil || p.kind() != prefix {
		h.finishRedirect(w, r, k, ErrInvalidState)
		return st, p, false
	}
	return st, p, true
}

func stateError(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, store.ErrExpired):
		return ErrExpiredState
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrInvalid):
		return ErrInvalidState
	}
	return ErrUnavailable
}

// provider reads {provider}; an unknown or unconfigured platform is 404.
func (h *Handler) provider(w http.ResponseWriter, r *http.Request, start bool) (providers.Kind, flow, bool) {
	k, err := providers.ParseKind(r.PathValue("provider"))
	if err == nil {
		if f, ok := h.flow(k); ok {
			return k, f, true
		}
	}
	msg := "no link flow for this platform on this server"
	if err == nil && k == providers.Akana && start {
		msg = "Akana links through the linkAkanaAccount mutation"
	}
	writeJSONError(w, http.StatusNotFound, "NOT_FOUND", msg)
	return "", nil, false
}

// bearer authenticates the request's bearer token; on failure it has
// answered 401.
func (h *Handler) bearer(w http.ResponseWriter, r *http.Request) (*providers.Viewer, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if ok && strings.EqualFold(scheme, "Bearer") && token != "" {
		if v, err := h.cfg.Authenticator.Authenticate(r.Context(), token); err == nil && v != nil {
			return v, true
		}
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="groupgraph"`)
	writeJSONError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "send Authorization: Bearer <token>, or open the authorizeUrl from POST /connect/{provider}")
	return nil, false
}

// finishRedirect sends the browser to the return URL with the outcome.
func (h *Handler) finishRedirect(w http.ResponseWriter, r *http.Request, k providers.Kind, code string) {
	http.Redirect(w, r, h.returnURL(k, code), http.StatusFound)
}

// returnURL is the return URL with the outcome: linked=<provider>, or
// error=<code>&provider=<provider>.
func (h *Handler) returnURL(k providers.Kind, code string) string {
	u, err := url.Parse(h.cfg.ReturnURL)
	if err != nil {
		u = &url.URL{Path: "/"}
	}
	q := u.Query()
	if code == "" {
		q.Set("linked", string(k))
	} else {
		q.Set("error", code)
		q.Set("provider", string(k))
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func (h *Handler) publicURL(r *http.Request) string {
	if h.cfg.PublicURL != "" {
		return strings.TrimRight(h.cfg.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// --- the platforms' flows ---

// flickrFlow is OAuth 1.0a: the request token is the state, its secret the
// flow's secret; the person grants delete permission, which leaving needs.
type flickrFlow struct{ c *flickr.Client }

func (f flickrFlow) begin(ctx context.Context, callbackURL string) (string, string, string, error) {
	rt, err := f.c.RequestToken(ctx, callbackURL)
	if err != nil {
		return "", "", "", err
	}
	return rt.Token, rt.Secret, f.c.AuthorizeURL(rt.Token, flickr.PermsDelete), nil
}

func (flickrFlow) callbackKey(q url.Values) string { return q.Get("oauth_token") }

// denied: Flickr sends the person back without a verifier when they decline.
func (flickrFlow) denied(q url.Values) bool { return q.Get("oauth_verifier") == "" }

func (f flickrFlow) finish(ctx context.Context, q url.Values, secret string) (providers.Account, error) {
	at, err := f.c.AccessToken(ctx, flickr.RequestToken{Token: q.Get("oauth_token"), Secret: secret}, q.Get("oauth_verifier"))
	if err != nil {
		return providers.Account{}, err
	}
	return at.Account(""), nil
}

// pageseederFlow is the OAuth2 authorization code with PKCE: a random state,
// the verifier as the flow's secret.
type pageseederFlow struct{ c *pageseeder.Client }

func (f pageseederFlow) begin(context.Context, string) (string, string, string, error) {
	state, err := secrets.NewState()
	if err != nil {
		return "", "", "", err
	}
	verifier := pageseeder.NewVerifier()
	return state, verifier, f.c.AuthCodeURL(state, verifier), nil
}

func (pageseederFlow) callbackKey(q url.Values) string { return q.Get("state") }

func (pageseederFlow) denied(q url.Values) bool { return q.Get("error") != "" || q.Get("code") == "" }

func (f pageseederFlow) finish(ctx context.Context, q url.Values, verifier string) (providers.Account, error) {
	return f.c.Exchange(ctx, q.Get("code"), verifier)
}

// upcomingFlow is the frob flow: the approval page gets a random state and
// hands it back with the frob.
type upcomingFlow struct {
	c           *upcoming.Client
	approvalURL string
}

func (f upcomingFlow) begin(context.Context, string) (string, string, string, error) {
	state, err := secrets.NewState()
	if err != nil {
		return "", "", "", err
	}
	u, err := url.Parse(f.approvalURL)
	if err != nil {
		return "", "", "", fmt.Errorf("%w: the Upcoming approval URL is not a URL", providers.ErrInvalid)
	}
	q := u.Query()
	q.Set("state", state)
	u.RawQuery = q.Encode()
	return state, "", u.String(), nil
}

func (upcomingFlow) callbackKey(q url.Values) string { return q.Get("state") }

func (upcomingFlow) denied(q url.Values) bool { return q.Get("frob") == "" }

func (f upcomingFlow) finish(ctx context.Context, q url.Values, _ string) (providers.Account, error) {
	tok, err := f.c.GetToken(ctx, q.Get("frob"))
	if err != nil {
		return providers.Account{}, err
	}
	return tok.Account(), nil
}
