package standin_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/groupgraph/groupgraph/internal/sandbox"
	"github.com/groupgraph/groupgraph/internal/standin"
)

func TestTheStandInKeepsOnlyPublicGroupsDetails(t *testing.T) {
	sb, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	raw, _ := json.Marshal(sb.Describe())
	var desc standin.Sandbox
	if err := json.Unmarshal(raw, &desc); err != nil {
		t.Fatal(err)
	}
	s, err := standin.New(desc)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()

	calls := func() (list, detail int64) {
		for _, st := range sb.Stats() {
			for name, n := range st.ByCall {
				if strings.Contains(name, "getGroups") || strings.Contains(name, "getMyGroups") || strings.HasSuffix(name, "/groups") || strings.HasSuffix(name, "/memberships") {
					list += n
				} else {
					detail += n
				}
			}
		}
		return list, detail
	}
	query := func() (list, detail int64, nodes int) {
		t.Helper()
		l0, d0 := calls()
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out struct {
			Data struct {
				Viewer struct {
					Memberships struct {
						Nodes []struct {
							Role  string `json:"role"`
							Group struct {
								Provider string `json:"provider"`
								Name     string `json:"name"`
							} `json:"group"`
						} `json:"nodes"`
					} `json:"memberships"`
				} `json:"viewer"`
			} `json:"data"`
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil {
			t.Fatalf("status %d: %.300s", resp.StatusCode, b)
		}
		for _, n := range out.Data.Viewer.Memberships.Nodes {
			if n.Role == "" || n.Group.Provider == "" || n.Group.Name == "" {
				t.Fatalf("a node without role, provider or name: %+v", n)
			}
		}
		l1, d1 := calls()
		return l1 - l0, d1 - d0, len(out.Data.Viewer.Memberships.Nodes)
	}
	l1, d1, n := query()
	if n == 0 {
		t.Fatal("no memberships")
	}
	l2, d2, _ := query()
	l3, d3, _ := query()
	if l1 != 4 || l2 != 4 || l3 != 4 {
		t.Errorf("list calls per query: %d, %d, %d; want one per platform", l1, l2, l3)
	}
	if !(d2 < d1) || d2 != d3 || d2 == 0 {
		t.Errorf("detail calls per query: %d, %d, %d; want fewer after the first (public groups kept), then steady, and non-public groups asked each time", d1, d2, d3)
	}
}
