package playground

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// get runs one request against h and returns the recorded response.
func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sri(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

var (
	attrRe         = regexp.MustCompile(`<(script|link)\b[^>]*>`)
	srcRe          = regexp.MustCompile(`\b(?:src|href)="([^"]*)"`)
	integrityRe    = regexp.MustCompile(`\bintegrity="([^"]*)"`)
	inlineScriptRe = regexp.MustCompile(`(?s)<script>(.*?)</script>`)
	configRe       = regexp.MustCompile(`var config = (.*);\n`)
)

// sampleOptions covers every option, so the page-wide checks see them all.
var sampleOptions = map[string]Options{
	"the zero value": {},
	"a sandbox page under a sub-path": {
		Path:     "/playground",
		Title:    "groupgraph sandbox",
		Endpoint: "/graphql",
		Headers:  map[string]string{"Authorization": "Bearer s3cret"},
		Tabs: []Tab{
			{Name: "My memberships", Query: "query MyMemberships { viewer { id } }"},
			{Name: "Leave a group", Query: "mutation Leave($id: ID!) { leaveGroup(id: $id) { ok } }", Variables: `{"id": "g1"}`},
		},
	},
	"a page with the headers editor hidden": {
		Path:              "/gql/ui/",
		Headers:           map[string]string{"X-Api-Key": "k"},
		HideHeadersEditor: true,
	},
}

func TestPageUsesOnlySameOriginAssetsWithMatchingIntegrity(t *testing.T) {
	for name, opts := range sampleOptions {
		t.Run("for "+name, func(t *testing.T) {
			h := Handler(opts)
			mount := strings.TrimSuffix(opts.Path, "/") + "/"
			res := get(t, h, http.MethodGet, mount, nil)
			page := body(t, res)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: status %d", mount, res.StatusCode)
			}
			if got := res.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", got)
			}
			if got := res.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store: the page may carry a token", got)
			}
			if m := regexp.MustCompile(`(?i)(https?|wss?):`).FindString(page); m != "" {
				t.Errorf("page names another origin: %q", m)
			}

			tags := attrRe.FindAllString(page, -1)
			var linked int
			for _, tag := range tags {
				src := srcRe.FindStringSubmatch(tag)
				if src == nil {
					continue // the inline bootstrap script
				}
				u := html.UnescapeString(src[1])
				if strings.HasPrefix(u, "data:") {
					continue // the empty favicon that stops a /favicon.ico request
				}
				linked++
				prefix := strings.TrimSuffix(opts.Path, "/") + "/assets/"
				if !strings.HasPrefix(u, prefix) {
					t.Errorf("%s: URL %q is not under %q", tag, u, prefix)
					continue
				}
				integrity := integrityRe.FindStringSubmatch(tag)
				if integrity == nil {
					t.Errorf("%s: no integrity attribute", tag)
					continue
				}
				ares := get(t, h, http.MethodGet, u, nil)
				abody := body(t, ares)
				if ares.StatusCode != http.StatusOK {
					t.Errorf("GET %s: status %d", u, ares.StatusCode)
					continue
				}
				if got, want := sri([]byte(abody)), html.UnescapeString(integrity[1]); got != want {
					t.Errorf("GET %s: body hashes to %s, page says %s", u, got, want)
				}
				wantType := "text/css; charset=utf-8"
				if strings.HasPrefix(tag, "<script") {
					wantType = "text/javascript; charset=utf-8"
				}
				if got := ares.Header.Get("Content-Type"); got != wantType {
					t.Errorf("GET %s: Content-Type %q, want %q", u, got, wantType)
				}
				if got := ares.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
					t.Errorf("GET %s: Cache-Control %q", u, got)
				}
			}
			if linked != len(pageStyles)+len(pageScripts) {
				t.Errorf("page links %d assets, want %d", linked, len(pageStyles)+len(pageScripts))
			}
		})
	}
}

func TestContentSecurityPolicyForbidsOtherOrigins(t *testing.T) {
	for name, opts := range sampleOptions {
		t.Run("for "+name, func(t *testing.T) {
			res := get(t, Handler(opts), http.MethodGet, strings.TrimSuffix(opts.Path, "/")+"/", nil)
			page := body(t, res)
			csp := res.Header.Get("Content-Security-Policy")
			directives := map[string]string{}
			for d := range strings.SplitSeq(csp, ";") {
				name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
				directives[name] = value
			}

			scripts := inlineScriptRe.FindAllStringSubmatch(page, -1)
			if len(scripts) != 1 {
				t.Fatalf("page has %d inline scripts, want 1", len(scripts))
			}
			want := map[string]string{
				"default-src":     "'self'",
				"script-src":      "'self' '" + sri([]byte(scripts[0][1])) + "'",
				"style-src":       "'self'",
				"connect-src":     "'self'",
				"img-src":         "'self' data:",
				"font-src":        "'self' data:",
				"object-src":      "'none'",
				"base-uri":        "'none'",
				"form-action":     "'none'",
				"frame-ancestors": "'none'",
			}
			if !reflect.DeepEqual(want, directives) {
				t.Errorf("CSP %q mismatch:\n got %#v\nwant %#v", csp, directives, want)
			}
			for _, h := range []string{"X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} {
				if res.Header.Get(h) == "" {
					t.Errorf("missing %s header", h)
				}
			}
		})
	}
}

func TestHostileOptionValuesCannotBreakOutOfThePage(t *testing.T) {
	const hostile = "</script><script>alert(\"x\")</script><!-- '\" & \u2028\u2029 </SCRIPT >"
	opts := Options{
		Title:   hostile,
		Headers: map[string]string{"Authorization": "Bearer " + hostile},
		Tabs:    []Tab{{Name: hostile, Query: "query Q { f(s: \"" + hostile + "\") }", Variables: `{"s": "` + hostile + `"}`}},
	}
	page := body(t, get(t, Handler(opts), http.MethodGet, "/", nil))

	t.Run("the page has only the script elements it is built with", func(t *testing.T) {
		if got, want := strings.Count(strings.ToLower(page), "<script"), len(pageScripts)+1; got != want {
			t.Errorf("%d <script tags, want %d", got, want)
		}
		if got, want := strings.Count(strings.ToLower(page), "</script"), len(pageScripts)+1; got != want {
			t.Errorf("%d </script tags, want %d", got, want)
		}
	})
	t.Run("the inline script holds no end tag, HTML comment or raw line separator", func(t *testing.T) {
		script := strings.ToLower(inlineScriptRe.FindStringSubmatch(page)[1])
		for _, bad := range []string{"</", "<!--", "<script", "-->", "\u2028", "\u2029"} {
			if strings.Contains(script, bad) {
				t.Errorf("inline script contains %q", bad)
			}
		}
	})
	t.Run("the title is HTML-escaped", func(t *testing.T) {
		m := regexp.MustCompile(`<title>(.*)</title>`).FindStringSubmatch(page)
		if m == nil || html.UnescapeString(m[1]) != hostile {
			t.Errorf("title element = %q, want the escaped hostile text", m)
		}
	})
	t.Run("every value reaches GraphiQL unchanged", func(t *testing.T) {
		m := configRe.FindStringSubmatch(page)
		if m == nil {
			t.Fatal("no config literal in the bootstrap script")
		}
		var cfg bootstrapConfig
		if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil {
			t.Fatalf("config literal is not JSON: %v", err)
		}
		var editorHeaders map[string]string
		if err := json.Unmarshal([]byte(cfg.DefaultHeaders), &editorHeaders); err != nil {
			t.Fatalf("headers editor text is not JSON: %v", err)
		}
		if !reflect.DeepEqual(opts.Headers, editorHeaders) {
			t.Errorf("headers editor:\n got %#v\nwant %#v", editorHeaders, opts.Headers)
		}
		if strings.Contains(cfg.DefaultHeaders, `\u003c`) {
			t.Errorf("headers editor shows escapes instead of text: %q", cfg.DefaultHeaders)
		}
		wantTabs := []bootstrapTab{{
			Query:     "# " + hostile + "\n" + opts.Tabs[0].Query,
			Variables: opts.Tabs[0].Variables,
			Headers:   cfg.DefaultHeaders,
		}}
		if !reflect.DeepEqual(wantTabs, cfg.Tabs) {
			t.Errorf("tabs:\n got %#v\nwant %#v", cfg.Tabs, wantTabs)
		}
	})
}

func TestOptionsShapeTheBootstrapConfig(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want bootstrapConfig
	}{
		{
			name: "the zero value talks to /graphql with an empty headers editor",
			want: bootstrapConfig{Endpoint: "/graphql", HeadersEditor: true},
		},
		{
			name: "preset headers fill and persist the headers editor",
			opts: Options{Endpoint: "/api/graphql", Headers: map[string]string{"B": "2", "A": "1"}},
			want: bootstrapConfig{
				Endpoint: "/api/graphql", HeadersEditor: true, PersistHeaders: true,
				Headers:        map[string]string{"A": "1", "B": "2"},
				DefaultHeaders: "{\n  \"A\": \"1\",\n  \"B\": \"2\"\n}",
			},
		},
		{
			name: "a hidden headers editor leaves the preset headers to the fetcher",
			opts: Options{Headers: map[string]string{"A": "1"}, HideHeadersEditor: true},
			want: bootstrapConfig{Endpoint: "/graphql", Headers: map[string]string{"A": "1"}},
		},
		{
			name: "a tab without a name keeps its query as given",
			opts: Options{Tabs: []Tab{{Query: "{ a }"}}},
			want: bootstrapConfig{Endpoint: "/graphql", HeadersEditor: true, Tabs: []bootstrapTab{{Query: "{ a }"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := body(t, get(t, Handler(tt.opts), http.MethodGet, "/", nil))
			var got bootstrapConfig
			if err := json.Unmarshal([]byte(configRe.FindStringSubmatch(page)[1]), &got); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(got.StoragePrefix, "groupgraph-playground:") {
				t.Errorf("storage prefix %q", got.StoragePrefix)
			}
			got.StoragePrefix = ""
			if !reflect.DeepEqual(tt.want, got) {
				t.Errorf("config:\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestStoragePrefixChangesWithTheConfiguration(t *testing.T) {
	prefix := func(o Options) string {
		h, err := newHandler(o)
		if err != nil {
			t.Fatal(err)
		}
		var cfg bootstrapConfig
		if err := json.Unmarshal([]byte(configRe.FindSubmatch(h.page)[1]), &cfg); err != nil {
			t.Fatal(err)
		}
		return cfg.StoragePrefix
	}
	a := prefix(Options{Headers: map[string]string{"Authorization": "Bearer one"}})
	if b := prefix(Options{Headers: map[string]string{"Authorization": "Bearer one"}}); a != b {
		t.Errorf("same options, different prefixes %q and %q", a, b)
	}
	if b := prefix(Options{Headers: map[string]string{"Authorization": "Bearer two"}}); a == b {
		t.Errorf("a new token kept the prefix %q, so stale tabs would be reused", a)
	}
}

func TestRoutingMethodsAndCaching(t *testing.T) {
	h := Handler(Options{Path: "/playground"})
	js := "/playground/assets/graphiql/graphiql.min.js"
	version := assets["graphiql/graphiql.min.js"].version
	tests := []struct {
		name, method, target string
		header               map[string]string
		wantStatus           int
		wantHeader           map[string]string
		wantEmptyBody        bool
	}{
		{name: "the mount path serves the page", method: "GET", target: "/playground", wantStatus: 200},
		{name: "the mount path with a slash serves the page", method: "GET", target: "/playground/", wantStatus: 200},
		{
			name: "HEAD on the page sends headers and no body", method: "HEAD", target: "/playground/",
			wantStatus: 200, wantEmptyBody: true,
			wantHeader: map[string]string{"Content-Type": "text/html; charset=utf-8", "Content-Length": strconv.Itoa(len(body(t, get(t, h, "GET", "/playground/", nil))))},
		},
		{
			name: "POST on the page is not allowed", method: "POST", target: "/playground/",
			wantStatus: 405, wantHeader: map[string]string{"Allow": "GET, HEAD"},
		},
		{name: "a sibling path is not found", method: "GET", target: "/playgroundx", wantStatus: 404},
		{name: "a path below the page is not found", method: "GET", target: "/playground/other", wantStatus: 404},
		{name: "a path outside the mount is not found", method: "GET", target: "/graphql", wantStatus: 404},
		{name: "an unknown asset is not found", method: "GET", target: "/playground/assets/nope.js", wantStatus: 404},
		{name: "the assets directory itself is not found", method: "GET", target: "/playground/assets/", wantStatus: 404},
		{name: "a traversal attempt is not found", method: "GET", target: "/playground/assets/../playground.go", wantStatus: 404},
		{
			name: "an asset at its current version is cached for a year", method: "GET", target: js + "?v=" + version,
			wantStatus: 200,
			wantHeader: map[string]string{"Cache-Control": "public, max-age=31536000, immutable", "ETag": `"` + version + `"`, "X-Content-Type-Options": "nosniff"},
		},
		{
			name: "an asset without its version must be revalidated", method: "GET", target: js,
			wantStatus: 200, wantHeader: map[string]string{"Cache-Control": "no-cache"},
		},
		{
			name: "a revalidated asset answers not modified", method: "GET", target: js,
			header: map[string]string{"If-None-Match": `"` + version + `"`}, wantStatus: 304,
		},
		{
			name: "HEAD on an asset sends its length and no body", method: "HEAD", target: js + "?v=" + version,
			wantStatus: 200, wantEmptyBody: true,
			wantHeader: map[string]string{"Content-Length": strconv.Itoa(len(assets["graphiql/graphiql.min.js"].body))},
		},
		{
			name: "a license is served as plain text", method: "GET", target: "/playground/assets/graphiql/LICENSE",
			wantStatus: 200, wantHeader: map[string]string{"Content-Type": "text/plain; charset=utf-8"},
		},
		{name: "PUT on an asset is not allowed", method: "PUT", target: js, wantStatus: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := get(t, h, tt.method, tt.target, tt.header)
			b := body(t, res)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("%s %s: status %d, want %d", tt.method, tt.target, res.StatusCode, tt.wantStatus)
			}
			for k, want := range tt.wantHeader {
				if got := res.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if tt.wantEmptyBody && b != "" {
				t.Errorf("body has %d bytes, want none", len(b))
			}
		})
	}
}

func TestRootMountServesOnlyThePageAndAssets(t *testing.T) {
	h := Handler(Options{})
	for target, want := range map[string]int{
		"/":                              200,
		"/assets/playground.css":         200,
		"/graphql":                       404,
		"/favicon.ico":                   404,
		"/assets/react/LICENSE":          200,
		"/assets/react/react.missing.js": 404,
	} {
		t.Run("GET "+target+" answers "+strconv.Itoa(want), func(t *testing.T) {
			if got := get(t, h, "GET", target, nil).StatusCode; got != want {
				t.Errorf("status %d", got)
			}
		})
	}
}

func TestHandlerRejectsPathsOffThisOrigin(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts Options
	}{
		{"an absolute endpoint URL", Options{Endpoint: "https://api.example.com/graphql"}},
		{"a protocol-relative endpoint", Options{Endpoint: "//api.example.com/graphql"}},
		{"a relative endpoint", Options{Endpoint: "graphql"}},
		{"an endpoint with a backslash", Options{Endpoint: "/\\api.example.com"}},
		{"a mount path with a query", Options{Path: "/playground?x=1"}},
		{"a relative mount path", Options{Path: "playground"}},
	} {
		t.Run("it panics on "+tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("Handler did not panic")
				}
			}()
			Handler(tt.opts)
		})
	}
}

// gqlgenSRI are the integrity values gqlgen v0.17.98 pins for the same files
// on its CDN: the vendored bytes must be exactly those.
var gqlgenSRI = map[string]string{
	"graphiql/graphiql.min.js":              "sha256-hnImuor1znlJkD/FOTL3jayfS/xsyNoP04abi8bFJWs=",
	"graphiql/graphiql.min.css":             "sha256-MEh+B2NdMSpj9kexQNN3QKc8UzMrCXW/Sx/phcpuyIU=",
	"react/react.production.min.js":         "sha256-S0lp+k7zWUMk2ixteM6HZvu8L9Eh//OVrt+ZfbCpmgY=",
	"react-dom/react-dom.production.min.js": "sha256-IXWO0ITNDjfnNXIu5POVfqlgYoop36bDzhodR6LW5Pc=",
}

func TestVendoredAssetsMatchVersionsFileAndUpstream(t *testing.T) {
	f, err := os.Open("assets/VERSIONS.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cells := strings.Split(sc.Text(), "|")
		if len(cells) != 8 || strings.TrimSpace(cells[1]) == "package" || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") {
			continue
		}
		rows++
		file := strings.TrimSpace(cells[3])
		size, _ := strconv.Atoi(strings.TrimSpace(cells[4]))
		want := strings.Trim(strings.TrimSpace(cells[5]), "`")
		t.Run(file+" is embedded as recorded", func(t *testing.T) {
			a, ok := assets[file]
			if !ok {
				t.Fatal("not embedded")
			}
			if len(a.body) != size || a.sri != want {
				t.Errorf("embedded %d bytes %s, VERSIONS.md says %d bytes %s", len(a.body), a.sri, size, want)
			}
			if pinned, ok := gqlgenSRI[file]; ok && a.sri != pinned {
				t.Errorf("SRI %s differs from gqlgen's %s", a.sri, pinned)
			}
			dir, _, _ := strings.Cut(file, "/")
			if lic, ok := assets[dir+"/LICENSE"]; !ok || len(lic.body) == 0 {
				t.Errorf("no license text beside %s", file)
			}
		})
	}
	if rows != len(gqlgenSRI) {
		t.Errorf("VERSIONS.md lists %d files, want %d", rows, len(gqlgenSRI))
	}
	for _, name := range []string{"graphiql/graphiql.min.css", "playground.css"} {
		if m := regexp.MustCompile(`(?i)url\(\s*["']?(https?:)?//|@import`).Find(assets[name].body); m != nil {
			t.Errorf("%s loads from another origin: %q", name, m)
		}
	}
}
