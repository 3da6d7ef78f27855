package flickr_test

import (
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/groupgraph/groupgraph/providers/providertest"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/corpus")

// TestCorpus runs the client over every recorded payload of
// testdata/corpus (its README says where each came from).
func TestCorpus(t *testing.T) {
	providertest.Corpus{
		Dir:     filepath.Join("testdata", "corpus"),
		Update:  *update,
		Allowed: []string{"flickr.people.getGroups", "flickr.groups.getInfo", "flickr.test.login", "oauth_problem signature_invalid", "service currently unavailable"},
		Decode: func(t *testing.T, name string, body []byte) (any, error) {
			status := providertest.StatusInName(name)
			ctype := "text/javascript; charset=utf-8"
			switch filepath.Ext(name) {
			case ".html":
				ctype = "text/html"
			case ".txt":
				ctype = "text/plain;charset=UTF-8"
			}
			r := reply{status, ctype, string(body)}
			all := map[string]reply{"flickr.people.getGroups": r, "flickr.groups.getInfo": r, "flickr.test.login": r}
			c := fakeFlickr(t, all)
			switch {
			case strings.HasPrefix(name, "getInfo"):
				return c.GroupsByID(t.Context(), fakeAccount, []string{"67877485@N00"})
			case strings.HasPrefix(name, "testLogin"):
				return c.Whoami(t.Context(), fakeAccount)
			}
			return c.Memberships(t.Context(), fakeAccount)
		},
	}.Run(t)
}
