package pageseeder_test

import (
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/groupgraph/groupgraph/providers/providertest"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/corpus")

// TestCorpus runs the client over every documented payload of
// testdata/corpus (its README says where each came from).
func TestCorpus(t *testing.T) {
	providertest.Corpus{
		Dir:     filepath.Join("testdata", "corpus"),
		Update:  *update,
		Allowed: []string{"visiblegroups", "memberships", "pageseeder group"},
		Decode: func(t *testing.T, name string, body []byte) (any, error) {
			status := providertest.StatusInName(name)
			ctype := map[string]string{".json": "application/json", ".xml": "application/xml", ".html": "text/html"}[filepath.Ext(name)]
			c, acct, _ := canned(t, status, ctype, string(body))
			switch {
			case strings.HasPrefix(name, "visibleGroups"), strings.HasPrefix(name, "error_member"):
				return c.VisibleGroups(t.Context(), acct)
			case strings.HasPrefix(name, "group"):
				return c.GroupsByID(t.Context(), acct, []string{"123"})
			case strings.HasPrefix(name, "self_"):
				return c.Whoami(t.Context(), acct)
			}
			return c.Memberships(t.Context(), acct)
		},
	}.Run(t)
}
