package akana_test

import (
	"flag"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/akana"
	"github.com/groupgraph/groupgraph/providers/providertest"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/corpus")

// TestCorpus runs the client over every documented payload of
// testdata/corpus (its README says where each came from). Every request,
// a session renewal included, gets the payload.
func TestCorpus(t *testing.T) {
	providertest.Corpus{
		Dir:     filepath.Join("testdata", "corpus"),
		Update:  *update,
		Allowed: []string{"users.groups", "groups.get", "relink"},
		Decode: func(t *testing.T, name string, body []byte) (any, error) {
			status := providertest.StatusInName(name)
			ctype := map[string]string{".json": "application/json", ".txt": "text/plain", ".html": "text/html"}[filepath.Ext(name)]
			serve := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", ctype)
				w.WriteHeader(status)
				_, _ = w.Write(body)
			})
			// In process, so that the links resolved against the base URL
			// are the same on every run.
			c, err := akana.New(akana.Config{BaseURL: "https://portal.acmepaymentscorp.example", Tenant: tenant,
				HTTPClient: &http.Client{Transport: handlerTransport{serve}}})
			if err != nil {
				t.Fatal(err)
			}
			acct := providers.Account{ID: "link-1", Provider: providers.Akana, UserID: cannedUser,
				Credentials: providers.Credentials{Token: cannedToken, Secret: cannedCSRF, Expiry: time.Now().Add(time.Hour)}}
			if strings.HasPrefix(name, "group_") {
				return c.GroupsByID(t.Context(), acct, []string{"group19212.acmepaymentscorp"})
			}
			return c.Memberships(t.Context(), acct)
		},
	}.Run(t)
}

// handlerTransport answers every request with a handler, in process.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}
