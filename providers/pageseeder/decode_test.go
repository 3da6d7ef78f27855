package pageseeder

import (
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/groupgraph/groupgraph/providers"
)

func TestCodesAreMappedPerService(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		svc  service
		code uint32
		want error
	}{
		{"0x102A on visiblegroups is member not found", svcVisibleGroups, 0x102A, providers.ErrNotFound},
		{"0x102A on unsubscribe is an invalid e-mailed token", svcUnsubscribe, 0x102A, providers.ErrInvalid},
		{"0x102B on unsubscribe is an expired e-mailed token", svcUnsubscribe, 0x102B, providers.ErrInvalid},
		{"0x102A on deregister is left to the status", svcDeregister, 0x102A, providers.ErrUnavailable},
		{"0x1022 on deregister is not a member", svcDeregister, 0x1022, providers.ErrNotMember},
		{"0x1022 on the membership service is not a member", svcMembership, 0x1022, providers.ErrNotMember},
		{"0x0106 on deregister is not found", svcDeregister, 0x0106, providers.ErrNotFound},
		{"0x0107 on the group service is left to the status", svcGroup, 0x0107, providers.ErrUnavailable},
		{"0x0202 is not found everywhere", svcSelf, 0x0202, providers.ErrNotFound},
		{"0x0204 is not found everywhere", svcMemberships, 0x0204, providers.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// A 500 status, so that only the id can make the kind anything
			// but ErrUnavailable.
			if got := kindOf(tt.svc, 500, tt.code, true); !errors.Is(got, tt.want) {
				t.Errorf("kindOf(%s, %s) = %v, want %v", tt.svc, formatCode(tt.code), got, tt.want)
			}
		})
	}
}

func TestDecodeMembershipsFixture(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/memberships.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc wireMemberships
	if err := decodeJSON(b, &doc); err != nil {
		t.Fatalf("decode: %v", err)
	}
	type row struct {
		Group, ID, Type, Owner, RelatedURL, InheritedFrom string
		EmailListed, Inherited, Leavable, Joined          bool
	}
	var got []row
	for _, wm := range doc.Memberships {
		m, ok := wm.toMembership("123")
		if !ok {
			t.Fatalf("membership %q did not convert", wm.ID)
		}
		d := m.Group.Details.(*providers.PageSeederDetails)
		got = append(got, row{m.Group.ID, m.ID, d.Type, d.Owner, d.RelatedURL, m.InheritedFrom, wm.emailListed(), m.Inherited, m.Leavable, m.JoinedAt != nil})
	}
	want := []row{
		{Group: "4", ID: "123", Type: "group", EmailListed: true, Leavable: true},
		{Group: "10", Type: "group", Owner: "acme", InheritedFrom: "role-administrator", EmailListed: true, Inherited: true},
		{Group: "201", ID: "101", Type: "project", Owner: "acme", EmailListed: true, Leavable: true},
		{Group: "203", ID: "103", Type: "group", Owner: "Product", RelatedURL: "https://example.org", EmailListed: true, Leavable: true, Joined: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("memberships (-want +got):\n%s", diff)
	}
}
