package providers_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/groupgraph/groupgraph/providers"
)

func TestSameOriginRedirects(t *testing.T) {
	var elsewhereHit atomic.Bool
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhereHit.Store(true) }))
	defer elsewhere.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/here", http.StatusMovedPermanently)
		case "/away":
			http.Redirect(w, r, elsewhere.URL+"/there", http.StatusTemporaryRedirect)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	orig := &http.Client{}
	c := providers.SameOriginRedirects(orig)
	if orig.CheckRedirect != nil {
		t.Error("SameOriginRedirects changed the client it was given")
	}
	get := func(path string) (int, error) {
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if st, err := get("/moved"); err != nil || st != http.StatusNoContent {
		t.Errorf("same-origin redirect: status %d, %v; want it followed to 204", st, err)
	}
	if st, err := get("/away"); err != nil || st != http.StatusTemporaryRedirect {
		t.Errorf("redirect to another host: status %d, %v; want the 307 itself", st, err)
	}
	if elsewhereHit.Load() {
		t.Error("the other host was called")
	}
	if _, err := get("/loop"); err == nil {
		t.Error("an endless same-origin redirect loop did not fail")
	}
}
