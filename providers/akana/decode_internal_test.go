package akana

import (
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/groupgraph/groupgraph/providers"
)

func testClient(t *testing.T) *Client {
	t.Helper()
	c, err := New(Config{BaseURL: "https://portal.acme.example", Tenant: "acmepaymentscorp"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

func TestMembershipsFromTheSeedDocument(t *testing.T) {
	body, err := os.ReadFile("testdata/my_groups.json")
	if err != nil {
		t.Fatal(err)
	}
	ch, err := decodeChannel(body)
	if err != nil {
		t.Fatalf("decodeChannel: %v", err)
	}
	got := testClient(t).memberships("957482b9-ck7f-0gk5-ae07-9flgok5djtus.acmepaymentscorp", ch)
	want := []providers.Membership{{
		Provider: providers.Akana,
		UserID:   "957482b9-ck7f-0gk5-ae07-9flgok5djtus.acmepaymentscorp",
		Group: providers.Group{
			Provider:    providers.Akana,
			ID:          "group19212.acmepaymentscorp",
			Name:        "ACME Payments API UG",
			Description: ptr("ACME Payments API User Group"),
			Visibility:  providers.VisibilityRestricted,
			// "{hostname}" is the documentation's placeholder, not a host:
			// the URL is dropped, the raw value stays in Details.
			IconURL: nil,
			URL:     ptr("https://portal.acme.example/acmepaymentscorp#/groups/group19212.acmepaymentscorp/details"),
			Details: &providers.AkanaDetails{
				ResourceType:   "group",
				VisibilityName: "Limited",
				Categories: []providers.AkanaCategory{
					{Value: "group", Domain: "uddi:soa.com:resourcetype"},
					{Value: "Limited", Domain: "uddi:soa.com:visibility"},
					{Value: "com.soa.group.membership.state.approved", Domain: "uddi:soa.com:status"},
					{Value: "com.soa.group.membership.role.member", Domain: "uddi:soa.com:role"},
				},
				AvatarURL:   "https://{hostname}/api/groups/group19212.acmepaymentscorp/avatar",
				DetailsLink: "../acmepaymentscorp#/groups/group19212.acmepaymentscorp/details",
			},
		},
		Role:           providers.RoleMember,
		ProviderRole:   "com.soa.group.membership.role.member",
		Status:         providers.StatusActive,
		ProviderStatus: "com.soa.group.membership.state.approved",
		Leavable:       false,
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("memberships (-want +got):\n%s", diff)
	}
	if ch.Channel.Title != "My Groups" || ch.Version != "1.0" {
		t.Errorf("channel title %q version %q, want My Groups 1.0", ch.Channel.Title, ch.Version)
	}
}

// normalized is what the category table asserts of one membership.
type normalized struct {
	ID             string
	Role           providers.Role
	ProviderRole   string
	Status         providers.Status
	ProviderStatus string
	Visibility     providers.Visibility
	VisibilityName string
	ResourceType   string
	Leavable       bool
}

func TestCategoriesAreSelectedByDomain(t *testing.T) {
	for _, test := range []struct {
		name string
		body string
		want []normalized
	}{
		{
			name: "categories in the seed's order are read",
			body: `{"channel":{"item":[{"title":"G","guid":{"value":"g1.t"},"category":[
				{"value":"group","domain":"uddi:soa.com:resourcetype"},{"value":"Public","domain":"uddi:soa.com:visibility"},
				{"value":"com.soa.group.membership.state.approved","domain":"uddi:soa.com:status"},{"value":"com.soa.group.membership.role.leader","domain":"uddi:soa.com:role"}]}]}}`,
			want: []normalized{{"g1.t", providers.RoleModerator, "com.soa.group.membership.role.leader", providers.StatusActive, "com.soa.group.membership.state.approved", providers.VisibilityPublic, "Public", "group", true}},
		},
		{
			name: "categories in reverse order are read the same",
			body: `{"channel":{"item":[{"title":"G","guid":{"value":"g1.t"},"category":[
				{"value":"com.soa.group.membership.role.leader","domain":"uddi:soa.com:role"},{"value":"com.soa.group.membership.state.approved","domain":"uddi:soa.com:status"},
				{"value":"Public","domain":"uddi:soa.com:visibility"},{"value":"group","domain":"uddi:soa.com:resourcetype"}]}]}}`,
			want: []normalized{{"g1.t", providers.RoleModerator, "com.soa.group.membership.role.leader", providers.StatusActive, "com.soa.group.membership.state.approved", providers.VisibilityPublic, "Public", "group", true}},
		},
		{
			name: "the status first, as one portal widget wrongly assumes, does not become the role",
			body: `{"channel":{"item":[{"title":"G","guid":{"value":"g1.t"},"category":[
				{"value":"com.soa.group.membership.state.pending","domain":"uddi:soa.com:status"},{"value":"com.soa.group.membership.role.admin","domain":"uddi:soa.com:role"}]}]}}`,
			want: []normalized{{"g1.t", providers.RoleAdmin, "com.soa.group.membership.role.admin", providers.StatusPending, "com.soa.group.membership.state.pending", providers.VisibilityUnknown, "", "", true}},
		},
		{
			name: "missing categories are a member in good standing of unknown visibility",
			body: `{"channel":{"item":[{"title":"G","guid":{"value":"g1.t"}}]}}`,
			want: []normalized{{"g1.t", providers.RoleMember, "", providers.StatusActive, "", providers.VisibilityUnknown, "", "", false}},
		},
		{
			name: "unknown values are kept raw and never an error",
			body: `{"channel":{"item":[{"title":"G","guid":{"value":"g1.t"},"category":[
				{"value":"com.soa.group.membership.role.owner","domain":"uddi:soa.com:role"},{"value":"com.acme.workflow.state.onhold","domain":"uddi:soa.com:status"},
				{"value":"Registered Users","domain":"uddi:soa.com:visibility"},{"value":"x","domain":"uddi:acme:custom"}]}]}}`,
			want: []normalized{{"g1.t", providers.RoleMember, "com.soa.group.membership.role.owner", providers.StatusPending, "com.acme.workflow.state.onhold", providers.VisibilityRestricted, "Registered Users", "", false}},
		},
		{
			name: "disapproved and removed states are removed and not leavable",
			body: `{"channel":{"item":[
				{"title":"A","guid":{"value":"a.t"},"category":[{"value":"com.soa.group.membership.state.disapproved","domain":"uddi:soa.com:status"},{"value":"com.soa.group.membership.role.leader","domain":"uddi:soa.com:role"}]},
				{"title":"B","guid":{"value":"b.t"},"category":[{"value":"com.soa.group.membership.state.removed","domain":"uddi:soa.com:status"},{"value":"com.soa.group.membership.role.member","domain":"uddi:soa.com:role"}]}]}}`,
			want: []normalized{
				{"a.t", providers.RoleModerator, "com.soa.group.membership.role.leader", providers.StatusRemoved, "com.soa.group.membership.state.disapproved", providers.VisibilityUnknown, "", "", false},
				{"b.t", providers.RoleMember, "com.soa.group.membership.role.member", providers.StatusRemoved, "com.soa.group.membership.state.removed", providers.VisibilityUnknown, "", "", false},
			},
		},
		{
			name: "domains and values match without regard to case or spaces",
			body: `{"channel":{"item":[{"title":"G","guid":{"value":"g1.t"},"category":[
				{"value":" COM.SOA.GROUP.MEMBERSHIP.ROLE.ADMIN ","domain":"UDDI:SOA.COM:ROLE"},{"value":"private","domain":"uddi:soa.com:Visibility"}]}]}}`,
			want: []normalized{{"g1.t", providers.RoleAdmin, "COM.SOA.GROUP.MEMBERSHIP.ROLE.ADMIN", providers.StatusActive, "", providers.VisibilityPrivate, "private", "", true}},
		},
		{
			name: "a repeated domain keeps its first value",
			body: `{"channel":{"item":[{"title":"G","guid":{"value":"g1.t"},"category":[
				{"value":"com.soa.group.membership.role.member","domain":"uddi:soa.com:role"},{"value":"com.soa.group.membership.role.admin","domain":"uddi:soa.com:role"}]}]}}`,
			want: []normalized{{"g1.t", providers.RoleMember, "com.soa.group.membership.role.member", providers.StatusActive, "", providers.VisibilityUnknown, "", "", false}},
		},
		{
			name: "a single item and a single category as objects are read as lists",
			body: `{"channel":{"item":{"title":"G","guid":"g1.t","category":{"value":"com.soa.group.membership.role.leader","domain":"uddi:soa.com:role"}}}}`,
			want: []normalized{{"g1.t", providers.RoleModerator, "com.soa.group.membership.role.leader", providers.StatusActive, "", providers.VisibilityUnknown, "", "", true}},
		},
		{
			name: "items that are not groups or have no id are skipped",
			body: `{"channel":{"item":[
				{"title":"An API","guid":{"value":"api1.t"},"category":[{"value":"api","domain":"uddi:soa.com:resourcetype"}]},
				{"title":"No id","category":[{"value":"group","domain":"uddi:soa.com:resourcetype"}]},
				{"title":"Kept","guid":{"value":"g1.t"},"category":[{"value":"Group","domain":"uddi:soa.com:resourcetype"}]}]}}`,
			want: []normalized{{"g1.t", providers.RoleMember, "", providers.StatusActive, "", providers.VisibilityUnknown, "", "Group", false}},
		},
		{
			name: "an empty channel is no memberships",
			body: `{"channel":{"title":"My Groups"},"version":"1.0"}`,
			want: []normalized{},
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			ch, err := decodeChannel([]byte(test.body))
			if err != nil {
				t.Fatalf("decodeChannel: %v", err)
			}
			got := []normalized{}
			for _, m := range testClient(t).memberships("u.t", ch) {
				d := m.Group.Details.(*providers.AkanaDetails)
				got = append(got, normalized{m.Group.ID, m.Role, m.ProviderRole, m.Status, m.ProviderStatus, m.Group.Visibility, d.VisibilityName, d.ResourceType, m.Leavable})
			}
			if diff := cmp.Diff(test.want, got); diff != "" {
				t.Errorf("memberships (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUntrustedLinksAreDropped(t *testing.T) {
	c := testClient(t)
	for _, test := range []struct {
		name, link string
		want       *string
	}{
		{"a relative details link resolves against the API base", "../acmepaymentscorp#/groups/g/details", ptr("https://portal.acme.example/acmepaymentscorp#/groups/g/details")},
		{"an absolute https link is kept", "https://cdn.acme.example/a.png", ptr("https://cdn.acme.example/a.png")},
		{"a javascript link is dropped", "javascript:alert(1)", nil},
		{"a link without a host is dropped", "https:", nil},
		{"an empty link is nil", "  ", nil},
	} {
		t.Run(test.name, func(t *testing.T) {
			if diff := cmp.Diff(test.want, c.resolve(test.link)); diff != "" {
				t.Errorf("resolve(%q) (-want +got):\n%s", test.link, diff)
			}
		})
	}
}

func TestMappingTables(t *testing.T) {
	t.Run("roles map to the domain", func(t *testing.T) {
		for in, want := range map[string]providers.Role{
			"com.soa.group.membership.role.admin": providers.RoleAdmin, "com.soa.group.membership.role.leader": providers.RoleModerator,
			"com.soa.group.membership.role.member": providers.RoleMember, "leader": providers.RoleModerator, "": providers.RoleMember,
			"com.soa.group.membership.role.owner": providers.RoleMember,
		} {
			if got := Role(in); got != want {
				t.Errorf("Role(%q) = %s, want %s", in, got, want)
			}
		}
	})
	t.Run("states map to the domain", func(t *testing.T) {
		for in, want := range map[string]providers.Status{
			"com.soa.group.membership.state.approved": providers.StatusActive, "com.soa.group.membership.state.pending": providers.StatusPending,
			"com.soa.group.membership.state.disapproved": providers.StatusRemoved, "com.soa.group.membership.state.removed": providers.StatusRemoved,
			"": providers.StatusActive, "com.acme.state.limbo": providers.StatusPending,
		} {
			if got := Status(in); got != want {
				t.Errorf("Status(%q) = %s, want %s", in, got, want)
			}
		}
	})
	t.Run("visibilities map to the domain", func(t *testing.T) {
		for in, want := range map[string]providers.Visibility{
			"Limited": providers.VisibilityRestricted, "Public": providers.VisibilityPublic, "Private": providers.VisibilityPrivate,
			"PUBLIC": providers.VisibilityPublic, "Registered Users": providers.VisibilityRestricted, " registered  users ": providers.VisibilityRestricted, "Members of ACME": providers.VisibilityUnknown, "": providers.VisibilityUnknown,
		} {
			if got := Visibility(in); got != want {
				t.Errorf("Visibility(%q) = %q, want %q", in, got, want)
			}
		}
	})
}

func TestGroupDetails(t *testing.T) {
	c := testClient(t)
	d, err := decodeGroup([]byte(`{"GroupID":"group19212.acmepaymentscorp","Name":"ACME Payments API UG","Description":"ACME Payments API User Group",
		"Visibility":"Limited","AvatarURL":"","ResourceType":"group","MemberCount":4,"Created":"2013-05-20T22:20:58Z","CreatedBy":"u1.acmepaymentscorp","Extra":{"x":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	got := c.groupFromDetails("group19212.acmepaymentscorp", d)
	created := mustTime(t, "2013-05-20T22:20:58Z")
	want := &providers.Group{
		Provider: providers.Akana, ID: "group19212.acmepaymentscorp", Name: "ACME Payments API UG", Complete: true,
		Description: ptr("ACME Payments API User Group"), Visibility: providers.VisibilityRestricted,
		URL:         ptr("https://portal.acme.example/acmepaymentscorp#/groups/group19212.acmepaymentscorp/details"),
		IconURL:     ptr("https://portal.acme.example/api/groups/group19212.acmepaymentscorp/avatar"),
		MemberCount: ptr(4), CreatedAt: &created, OwnerID: ptr("u1.acmepaymentscorp"),
		Details: &providers.AkanaDetails{
			ResourceType: "group", VisibilityName: "Limited",
			AvatarURL:   "https://portal.acme.example/api/groups/group19212.acmepaymentscorp/avatar",
			DetailsLink: "../acmepaymentscorp#/groups/group19212.acmepaymentscorp/details",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("group (-want +got):\n%s", diff)
	}
}

func TestLoginValidUntil(t *testing.T) {
	for _, test := range []struct {
		name, raw, want string
	}{
		{"epoch milliseconds as a number", `1369088458000`, "2013-05-20T22:20:58Z"},
		{"epoch milliseconds as a string", `"1369088458000"`, "2013-05-20T22:20:58Z"},
		{"RFC 3339", `"2013-05-20T22:20:58Z"`, "2013-05-20T22:20:58Z"},
		{"garbage is unknown", `{"a":1}`, ""},
		{"null is unknown", `null`, ""},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := loginResponse{AuthTokenValidUntil: []byte(test.raw)}.validUntil()
			if test.want == "" {
				if !got.IsZero() {
					t.Errorf("validUntil = %v, want zero", got)
				}
				return
			}
			if want := mustTime(t, test.want); !got.Equal(want) {
				t.Errorf("validUntil = %v, want %v", got, want)
			}
		})
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
