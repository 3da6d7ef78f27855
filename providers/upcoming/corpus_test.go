package upcoming_test

import (
	"flag"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/providertest"
	"github.com/groupgraph/groupgraph/providers/upcoming"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/corpus")

// TestCorpus runs the client over every documented payload of
// testdata/corpus (its README says where each came from).
func TestCorpus(t *testing.T) {
	providertest.Corpus{
		Dir:     filepath.Join("testdata", "corpus"),
		Update:  *update,
		Allowed: []string{"group.getMyGroups", "group.getInfo", "auth.checkToken"},
		Decode: func(t *testing.T, name string, body []byte) (any, error) {
			status := providertest.StatusInName(name)
			ctype := map[string]string{".json": "application/json", ".xml": "text/xml; charset=utf-8", ".html": "text/html"}[filepath.Ext(name)]
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", ctype)
				w.WriteHeader(status)
				_, _ = w.Write(body)
			}))
			t.Cleanup(srv.Close)
			c, err := upcoming.New(upcoming.Config{BaseURL: srv.URL + "/services/rest/", APIKey: testKey, HTTPClient: srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			acct := providers.Account{Provider: providers.Upcoming, UserID: "674", Credentials: providers.Credentials{Token: testToken}}
			switch {
			case strings.HasPrefix(name, "getInfo"):
				return c.GroupsByID(t.Context(), acct, []string{"101"})
			case strings.HasPrefix(name, "checkToken"):
				return c.Whoami(t.Context(), acct)
			}
			return c.Memberships(t.Context(), acct)
		},
	}.Run(t)
}
