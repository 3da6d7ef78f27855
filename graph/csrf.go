package graph

import (
	"net/http"
	"strings"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CSRFHeaders returns the request headers that prove a request is not a
// "simple" cross-site request: a browser sends them only after a CORS
// preflight, which the CORS allow-list then decides. Any of them, with any
// non-empty value, will do. The first two are Apollo Server's recommended
// set (Apollo iOS and Kotlin send X-Apollo-Operation-Name on every
// request); X-GraphQL-Client is groupgraph's own; GraphQL-Preflight is the
// GraphQL-over-HTTP working group's proposal.
func CSRFHeaders() []string {
	return []string{"X-Apollo-Operation-Name", "Apollo-Require-Preflight", "X-GraphQL-Client", "GraphQL-Preflight"}
}

// simpleContentTypes are the Content-Types a browser sends cross-site
// without a preflight (the Fetch standard's CORS-safelisted values).
var simpleContentTypes = map[string]bool{
	"application/x-www-form-urlencoded": true,
	"multipart/form-data":               true,
	"text/plain":                        true,
}

// preventCSRF refuses the requests a browser could send from another site
// without a CORS preflight, with Apollo Server's rule: a request passes when
// it has a Content-Type that is not one of the simpleContentTypes (Apollo
// Client sends application/json even on GET, so its GET and APQ GET
// defaults pass), or carries one of the CSRFHeaders. groupgraph adds one
// header to that list: Authorization, which is never CORS-safelisted, so a
// browser that sends it has preflighted the request; it is how urql's
// default GET (no Content-Type, no custom header) passes once it carries a
// token. Anonymous requests of that shape only reach schema fields; they
// are refused like Apollo Server refuses them.
func preventCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if canBeSimple(r.Method) && !preflighted(r.Header) {
			writeRequestError(w, errorMedia(r), requestError(CodeCSRFHeaderRequired,
				"this request could come from another site without a CORS preflight: send Content-Type: application/json, "+
					"or one of the headers "+strings.Join(CSRFHeaders(), ", ")+" with any value (e.g. X-GraphQL-Client: my-app)"), nil)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// canBeSimple says whether a browser may send a request with this method
// cross-site without a preflight. Other methods are preflighted, and the
// transport answers them 405 anyway.
func canBeSimple(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodPost
}

// preflighted reports whether a browser would have preflighted a request
// with these headers, by Apollo Server's rule (see preventCSRF).
func preflighted(h http.Header) bool {
	if ct, ok := h["Content-Type"]; ok && len(ct) > 0 && !simpleContentTypes[contentTypeEssence(ct[0])] {
		return true
	}
	for _, name := range CSRFHeaders() {
		if h.Get(name) != "" {
			return true
		}
	}
	return h.Get("Authorization") != ""
}

// contentTypeEssence is the type/subtype of a Content-Type, lowercased,
// without parameters, the way the Fetch standard's MIME sniffing reads it:
// "Text/Plain ; charset=x" is text/plain, which browsers send without a
// preflight, though Go's mime.ParseMediaType would reject some such
// values. A value it cannot read at all is not simple, as for browsers.
func contentTypeEssence(v string) string {
	essence, _, _ := strings.Cut(v, ";")
	return strings.ToLower(strings.Trim(essence, " \t\r\n"))
}

// isWebSocketUpgrade reports whether r asks to switch to WebSocket.
func isWebSocketUpgrade(r *http.Request) bool {
	for _, v := range r.Header.Values("Upgrade") {
		for token := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(token), "websocket") {
				return true
			}
		}
	}
	return false
}

// refuseWebSockets answers a WebSocket upgrade (graphql-ws,
// subscriptions-transport-ws) by saying there are no subscriptions: the
// schema has none, and groupgraph speaks GraphQL over HTTP only. It runs
// before CSRF prevention, whose refusal would send the client looking for
// a missing header. A GET that offers the upgrade but carries a GraphQL
// request in its URL is answered over HTTP, as a server may ignore an
// Upgrade header: WebSocket clients never send one.
func refuseWebSockets(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isWebSocketUpgrade(r) || r.URL.Query().Has("query") || r.URL.Query().Has("extensions") {
			next.ServeHTTP(w, r)
			return
		}
		writeRequestError(w, errorMedia(r), gqlerror.List{{
			Message: "groupgraph has no subscriptions and does not speak WebSocket (graphql-ws, graphql-transport-ws): " +
				"send queries and mutations over HTTP, as a GET or a JSON POST",
			Extensions: map[string]any{"code": CodeSubscriptionsNotSupported},
		}}, nil)
	})
}

// errorMedia is the media type of an error answered before the transport
// runs: what the client accepts, else application/json.
func errorMedia(r *http.Request) string {
	media, ok := negotiate(r.Header.Values("Accept"))
	if !ok {
		return mediaJSON
	}
	return media
}
