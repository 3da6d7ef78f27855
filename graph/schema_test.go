package graph_test

import (
	"strings"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// TestEverySchemaElementIsDescribed reads the schema as the playground's
// docs pane does, through introspection: every type, field, argument, input
// field and enum value needs a description, since that is the reference.
func TestEverySchemaElementIsDescribed(t *testing.T) {
	f := newFixture(t, 0)
	type described struct {
		Name        string
		Description *string
	}
	var d struct {
		Schema struct {
			Types []struct {
				described
				Fields []struct {
					described
					Args []described
				}
				InputFields []described
				EnumValues  []described
			}
		} `json:"__schema"`
	}
	f.post(`{ __schema { types { name description
	  fields { name description args { name description } }
	  inputFields { name description }
	  enumValues { name description } } } }`, nil).mustSucceed(t).decode(t, &d)
	missing := func(x described) bool { return x.Description == nil || strings.TrimSpace(*x.Description) == "" }
	for _, ty := range d.Schema.Types {
		if strings.HasPrefix(ty.Name, "__") {
			continue
		}
		if missing(ty.described) {
			t.Errorf("type %s has no description", ty.Name)
		}
		for _, fl := range ty.Fields {
			if missing(fl.described) {
				t.Errorf("field %s.%s has no description", ty.Name, fl.Name)
			}
			for _, a := range fl.Args {
				if missing(a) {
					t.Errorf("argument %s.%s(%s) has no description", ty.Name, fl.Name, a.Name)
				}
				// Page sizes: 0 is accepted (a page of no items, for
				// totalCount alone), so the description must not say 1.
				if (a.Name == "first" || a.Name == "last") && !missing(a) && !strings.Contains(*a.Description, "(0 to 100") {
					t.Errorf("argument %s.%s(%s) says %q; the accepted range is 0 to 100", ty.Name, fl.Name, a.Name, *a.Description)
				}
			}
		}
		for _, fl := range ty.InputFields {
			if missing(fl) {
				t.Errorf("input field %s.%s has no description", ty.Name, fl.Name)
			}
		}
		for _, v := range ty.EnumValues {
			if missing(v) {
				t.Errorf("enum value %s.%s has no description", ty.Name, v.Name)
			}
		}
	}
}

func TestAPageOfNoItemsIsAccepted(t *testing.T) {
	f := newFixture(t, 0)
	var d membershipsData
	f.post(`{ viewer { memberships(first: 0) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor } } } }`, nil).mustSucceed(t).decode(t, &d)
	m := d.Viewer.Memberships
	if m.TotalCount != 10 || len(m.Edges) != 0 || !m.PageInfo.HasNextPage || m.PageInfo.StartCursor != nil || m.PageInfo.EndCursor != nil {
		t.Fatalf("first: 0 gave %+v, want no edges, null cursors, hasNextPage and the total", m)
	}
}

func TestTimesAreServedInUTC(t *testing.T) {
	f := newFixture(t, 0)
	// PageSeeder and Akana send offsets (PageSeeder's seed has +11:00),
	// Upcoming's gateway the server's local time.
	sydney := time.FixedZone("AEDT", 11*60*60)
	f.mem[providers.PageSeeder].AddGroup(providers.Group{ID: "ps-sydney", Name: "Sydney", CreatedAt: ptr(time.Date(2014, 12, 1, 9, 0, 0, 0, sydney))})
	f.mem[providers.PageSeeder].Join("ps-sydney", "me-pageseeder", providers.RoleMember, time.Date(2015, 1, 7, 13, 49, 39, 0, sydney))
	var d struct {
		Viewer struct {
			Memberships struct {
				Nodes []struct {
					JoinedAt string
					Group    struct{ CreatedAt string }
				}
			}
		}
	}
	f.post(`{ viewer { memberships(first: 1, filter: {nameContains: "Sydney"}) { nodes { joinedAt group { createdAt } } } } }`, nil).mustSucceed(t).decode(t, &d)
	if n := d.Viewer.Memberships.Nodes; len(n) != 1 || n[0].JoinedAt != "2015-01-07T02:49:39Z" || n[0].Group.CreatedAt != "2014-11-30T22:00:00Z" {
		t.Fatalf("times = %+v; want RFC 3339 in UTC (2015-01-07T02:49:39Z, 2014-11-30T22:00:00Z) as the Time scalar says", n)
	}
}
