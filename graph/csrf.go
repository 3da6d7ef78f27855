package graph

import (
	"mime"
	"net/http"
)

// CSRFHeaders returns the request headers that prove a request is not a
// "simple" cross-site request: a browser sends them only after a CORS
// preflight, which the CORS allow-list then decides. Any of them, with any
// non-empty value, will do; X-GraphQL-Client is groupgraph's own, the
// others are what Apollo and other clients already send.
func CSRFHeaders() []string {
	return []string{"X-GraphQL-Client", "Apollo-Require-Preflight", "X-Apollo-Operation-Name", "GraphQL-Preflight"}
}

// preventCSRF refuses requests a browser could send cross-site without a
// preflight: any GET, and any POST whose Content-Type is not
// application/json (form posts, text/plain), unless they carry one of the
// CSRFHeaders. A JSON POST always triggers a preflight, so it needs
// nothing more.
func preventCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if needsPreflightHeader(r) && !hasPreflightHeader(r) {
			media, _ := negotiate(r.Header.Values("Accept"))
			if media == "" {
				media = mediaJSON
			}
			writeRequestError(w, media, requestError(CodeCSRFHeaderRequired,
				"this request could come from another site: send it as a JSON POST, or add the header X-GraphQL-Client: <your app>"), nil)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func needsPreflightHeader(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return true
	case http.MethodPost:
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		return err != nil || mt != mediaJSON
	}
	return false
}

func hasPreflightHeader(r *http.Request) bool {
	for _, h := range CSRFHeaders() {
		if r.Header.Get(h) != "" {
			return true
		}
	}
	return false
}
