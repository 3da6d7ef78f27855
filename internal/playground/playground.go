// Package playground serves a GraphiQL page whose scripts and styles are
// embedded in the binary, so the playground works with no internet, on
// locked-down networks and under a Content-Security-Policy that forbids
// every other origin.
//
// gqlgen's own playground loads GraphiQL from a CDN; this package serves the
// same GraphiQL 4.1.2 and React 18.2 bundles (byte for byte, same SRI values)
// from the server itself. The bundles are vendored by
// scripts/fetch-playground-assets.sh, which records their versions and
// licenses in assets/VERSIONS.md.
package playground

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	texttemplate "text/template"
)

// Tab is an example operation opened as its own editor tab.
type Tab struct {
	// Name is written as a comment on the first line of the tab's query, so a
	// reader sees what the example is for. GraphiQL titles a tab after the
	// query's first operation name, so examples should use named operations.
	Name string
	// Query is the GraphQL document shown in the tab.
	Query string
	// Variables is the JSON text shown in the tab's variables editor; empty
	// means none.
	Variables string
}

// Options configures the playground page. The zero value is usable: a page
// titled "groupgraph playground" at "/" that sends operations to "/graphql".
type Options struct {
	// Path is the URL path the page is served at, e.g. "/playground"; the
	// assets are served under Path + "/assets/". Empty means "/".
	Path string
	// Title is the page title. Empty means "groupgraph playground".
	Title string
	// Endpoint is the same-origin path of the GraphQL endpoint, e.g.
	// "/graphql". Absolute or protocol-relative URLs are rejected, because
	// the page's CSP only lets it connect to its own origin. Empty means
	// "/graphql".
	Endpoint string
	// Headers are preset request headers, e.g. the sandbox viewer's
	// "Authorization: Bearer <token>". They appear in the headers editor of
	// every tab and go with the schema introspection; when HideHeadersEditor
	// is set they are sent with every request instead, invisibly. They are
	// written into the page in clear text (served with no-store), so preset
	// only what every visitor may see, such as a sandbox token.
	Headers map[string]string
	// Tabs are example operations, each opened in its own tab on a first
	// visit. GraphiQL keeps the user's tabs in localStorage afterwards, until
	// any option changes.
	Tabs []Tab
	// HideHeadersEditor hides the request headers editor, for deployments
	// where users should not craft headers by hand.
	HideHeadersEditor bool
}

// Handler returns an http.Handler that serves the GraphiQL page at
// opts.Path and its embedded assets under opts.Path + "/assets/". It answers
// GET and HEAD, 405 for other methods and 404 for any other path, so it can
// be mounted on a whole subtree without stripping the prefix:
//
//	h := playground.Handler(playground.Options{Path: "/playground", Endpoint: "/graphql"})
//	mux.Handle("/playground", h)
//	mux.Handle("/playground/", h)
//
// The page is rendered once, here. Handler panics if opts.Path or
// opts.Endpoint is not a plain absolute path, since that is a programming
// error that no request can fix.
func Handler(opts Options) http.Handler {
	h, err := newHandler(opts)
	if err != nil {
		panic("playground: " + err.Error())
	}
	return h
}

// handler serves one rendered page and the embedded assets.
type handler struct {
	base        string // opts.Path without its trailing slash; "" for the root
	assetPrefix string // base + "/assets/"
	page        []byte
	csp         string
}

// pageData feeds page.html.tmpl.
type pageData struct {
	Title     string
	Styles    []assetRef
	Scripts   []assetRef
	Bootstrap template.JS
}

// assetRef is one <script> or <link> of the page.
type assetRef struct {
	URL string
	SRI string
}

// bootstrapConfig is the JSON value the bootstrap script reads. Its field
// names are the script's, hence the JSON tags.
type bootstrapConfig struct {
	Endpoint       string            `json:"endpoint"`
	StoragePrefix  string            `json:"storagePrefix"`
	HeadersEditor  bool              `json:"headersEditor"`
	PersistHeaders bool              `json:"persistHeaders"`
	Headers        map[string]string `json:"headers,omitempty"`
	DefaultHeaders string            `json:"defaultHeaders,omitempty"`
	Tabs           []bootstrapTab    `json:"tabs,omitempty"`
}

// bootstrapTab is one entry of GraphiQL's defaultTabs prop.
type bootstrapTab struct {
	Query     string `json:"query"`
	Variables string `json:"variables,omitempty"`
	Headers   string `json:"headers,omitempty"`
}

var (
	pageTemplate = template.Must(template.New("page").Parse(pageSource))
	// The bootstrap is JavaScript, not HTML: text/template keeps it byte for
	// byte, and the only value it interpolates goes through scriptJSON.
	bootstrapTemplate = texttemplate.Must(texttemplate.New("bootstrap").
				Funcs(texttemplate.FuncMap{"json": scriptJSON}).
				Parse(bootstrapSource))
)

// Page order matters: React and ReactDOM must load before GraphiQL's UMD
// bundle, which reads them as globals.
var (
	pageStyles  = []string{"graphiql/graphiql.min.css", "playground.css"}
	pageScripts = []string{
		"react/react.production.min.js",
		"react-dom/react-dom.production.min.js",
		"graphiql/graphiql.min.js",
	}
)

func newHandler(opts Options) (*handler, error) {
	base, err := cleanPath("Path", opts.Path, "/")
	if err != nil {
		return nil, err
	}
	base = strings.TrimSuffix(base, "/")
	endpoint, err := cleanPath("Endpoint", opts.Endpoint, "/graphql")
	if err != nil {
		return nil, err
	}
	title := opts.Title
	if title == "" {
		title = "groupgraph playground"
	}

	h := &handler{base: base, assetPrefix: base + "/assets/"}

	cfg := bootstrapConfig{
		Endpoint:      endpoint,
		HeadersEditor: !opts.HideHeadersEditor,
		Headers:       opts.Headers,
	}
	var headersJSON string
	if len(opts.Headers) > 0 && !opts.HideHeadersEditor {
		headersJSON, err = editorJSON(opts.Headers)
		if err != nil {
			return nil, fmt.Errorf("encode Headers: %w", err)
		}
		cfg.DefaultHeaders = headersJSON
		// Preset headers are already in the page, so keeping them in
		// localStorage reveals nothing new, and it keeps them on every tab
		// across reloads (GraphiQL drops unpersisted tab headers).
		cfg.PersistHeaders = true
	}
	for _, t := range opts.Tabs {
		q := t.Query
		if t.Name != "" {
			q = "# " + strings.ReplaceAll(t.Name, "\n", " ") + "\n" + q
		}
		cfg.Tabs = append(cfg.Tabs, bootstrapTab{Query: q, Variables: t.Variables, Headers: headersJSON})
	}
	// The storage prefix names this configuration, so a new token or new
	// example tabs start from fresh tabs instead of a stale saved state.
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encode bootstrap config: %w", err)
	}
	sum := sha256.Sum256(cfgJSON)
	cfg.StoragePrefix = "groupgraph-playground:" + hex.EncodeToString(sum[:6]) + ":"

	var js bytes.Buffer
	if err := bootstrapTemplate.Execute(&js, cfg); err != nil {
		return nil, fmt.Errorf("render bootstrap script: %w", err)
	}
	data := pageData{Title: title, Bootstrap: template.JS(js.String())}
	for _, name := range pageStyles {
		data.Styles = append(data.Styles, h.ref(name))
	}
	for _, name := range pageScripts {
		data.Scripts = append(data.Scripts, h.ref(name))
	}
	var page bytes.Buffer
	if err := pageTemplate.Execute(&page, data); err != nil {
		return nil, fmt.Errorf("render page: %w", err)
	}
	h.page = page.Bytes()
	h.csp = contentSecurityPolicy(js.String())
	return h, nil
}

// ref links the named embedded asset with a version query, so its URL
// changes whenever its bytes do and it can be cached forever.
func (h *handler) ref(name string) assetRef {
	a, ok := assets[name]
	if !ok {
		panic("playground: page references missing asset " + name)
	}
	return assetRef{URL: h.assetPrefix + name + "?v=" + a.version, SRI: a.sri}
}

// cleanPath validates a same-origin URL path option.
func cleanPath(field, p, def string) (string, error) {
	if p == "" {
		return def, nil
	}
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") ||
		strings.ContainsAny(p, "\\?#\x00\r\n") {
		return "", fmt.Errorf("%s %q is not an absolute path on this origin", field, p)
	}
	return p, nil
}

// editorJSON encodes v as the indented JSON text a person reads in an
// editor. It does not escape <, > and &, which would show up as \u003c in
// the editor: the text is escaped once more, by scriptJSON, on its way into
// the page. Map keys come out sorted, so the page is deterministic.
func editorJSON(v any) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// scriptJSON encodes v for a JavaScript expression inside an HTML <script>
// element. encoding/json already escapes <, >, & and U+2028/U+2029, so the
// result can neither close the element nor open an HTML comment, and it is
// a valid JavaScript literal.
func scriptJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// contentSecurityPolicy allows nothing but the page's own origin. The
// inline bootstrap script is allowed by its hash rather than a nonce: the
// page is rendered once, so the hash is fixed and no per-request randomness
// is needed.
func contentSecurityPolicy(inlineScript string) string {
	sum := sha256.Sum256([]byte(inlineScript))
	return strings.Join([]string{
		"default-src 'self'",
		"script-src 'self' 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'",
		"style-src 'self'",
		"connect-src 'self'",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"object-src 'none'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// ServeHTTP serves the page or an asset.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	isPage := p == h.base+"/" || (h.base != "" && p == h.base)
	isAsset := strings.HasPrefix(p, h.assetPrefix)
	if !isPage && !isAsset {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	if isAsset {
		h.serveAsset(w, r, strings.TrimPrefix(p, h.assetPrefix))
		return
	}
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", h.csp)
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Frame-Options", "DENY")
	// The page may carry a bearer token in its preset headers.
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Content-Length", fmt.Sprint(len(h.page)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(h.page)
	}
}

// serveAsset serves one embedded file. A URL carrying the file's current
// version is cached for a year; any other URL must be revalidated, so an
// old page never pins new bytes under its old URL.
func (h *handler) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("ETag", `"`+a.version+`"`)
	if r.URL.Query().Get("v") == a.version {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, "", zeroTime, bytes.NewReader(a.body))
}
