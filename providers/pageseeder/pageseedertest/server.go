// Package pageseedertest is a PageSeeder server in miniature, in the spirit
// of net/http/httptest: an http.Handler that speaks PageSeeder's wire
// protocol (the /ps/service REST services in XML and JSON, the <error id>
// envelope, OAuth2 bearer tokens and the /ps/oauth endpoints) over in-memory
// members, groups, projects and memberships.
//
// It verifies what PageSeeder verifies: bearer tokens and their expiry
// (against an injectable clock), client secrets, authorization codes with
// their PKCE S256 challenge, single-use rotating refresh tokens, and who may
// call a service for which member. It answers through a *fault.Injector
// (Faults) so that tests can make it slow or broken.
//
// Build exact fixtures with New and the Add… methods, or load the sandbox
// with SeedSandbox.
package pageseedertest

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/groupgraph/groupgraph/providers/fault"
)

// Member is a PageSeeder member.
type Member struct {
	ID        int64
	Username  string
	Firstname string
	Surname   string
	Email     string
	// Admin members may call any service for any member.
	Admin bool
}

// Subgroup makes the members of another group members of this one.
type Subgroup struct {
	// Group is the subgroup's name.
	Group string
	// Role is the role its members inherit.
	Role string
}

// Group is a PageSeeder group or project, with its extended
// representation's settings.
type Group struct {
	ID int64
	// Name is the full name, "project-group" for a group.
	Name string
	// Type is "group" or "project"; empty means "group".
	Type          string
	Title         string
	Description   string
	Owner         string
	Access        string // public or member
	Common        bool
	RelatedURL    string
	VisibleTo     string // the "visibility" setting: public or a group name
	Template      string
	EditURLs      bool
	Commenting    string
	Moderation    string
	Registration  string
	DefaultRole   string
	DefaultNotify string
	IndexVersion  int64
	DetailsType   string
	Message       string
	// Subgroups are the groups whose members inherit a membership.
	Subgroups []Subgroup
}

// Membership is a member's direct membership of a group.
type Membership struct {
	ID       int64
	GroupID  int64
	MemberID int64
	// Role: guest, reviewer, contributor, manager, moderator, approver,
	// moderator-and-approver.
	Role string
	// Status: normal, invited, self-invited, moderated, disabled.
	Status       string
	Notification string
	EmailListed  bool
	Created      time.Time
	// Deleted marks a former membership (the member left or was removed).
	Deleted bool
}

// OAuthClient is an OAuth client registered on the server. PageSeeder gives
// each client one grant type; authorization-code clients may also refresh.
type OAuthClient struct {
	ID     string
	Secret string
	// Grant is "authorization_code" or "client_credentials".
	Grant string
	// RedirectURL is the only redirect the authorize endpoint accepts for
	// this client; empty accepts any.
	RedirectURL string
	// Member is who a client-credentials client acts for.
	Member int64
}

// Request is one request the server received, for assertions.
type Request struct {
	Method string
	Path   string
}

// Option configures a Server.
type Option func(*Server)

// WithClock makes the server read time from now (token expiry).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithTokenLifetimes sets how long access and refresh tokens live (defaults:
// one hour and thirty days).
func WithTokenLifetimes(access, refresh time.Duration) Option {
	return func(s *Server) { s.accessTTL, s.refreshTTL = access, refresh }
}

// WithJSONErrors makes the server answer JSON requests' errors in the JSON
// reading of the envelope ({"id":"0202","request":…,"message":…}) instead
// of the XML envelope PageSeeder documents.
func WithJSONErrors() Option { return func(s *Server) { s.jsonErrors = true } }

// WithHyphenatedJSON makes JSON output keep hyphenated attribute names
// (email-listed), as older PageSeeder servers do, instead of camelCasing them
// (emailListed).
func WithHyphenatedJSON() Option { return func(s *Server) { s.hyphenJSON = true } }

// Server is the simulated PageSeeder server. It is safe for concurrent use.
type Server struct {
	faults     *fault.Injector
	handler    http.Handler
	now        func() time.Time
	accessTTL  time.Duration
	refreshTTL time.Duration
	jsonErrors bool
	hyphenJSON bool

	mu          sync.Mutex
	members     map[int64]*Member
	groups      map[int64]*Group
	memberships []*Membership
	clients     map[string]*OAuthClient
	access      map[string]grant // access token → grant
	refresh     map[string]grant // refresh token → grant
	codes       map[string]*authCode
	nextID      int64
	authorizeAs int64
	requests    []Request
}

// grant is what a token stands for.
type grant struct {
	member  int64
	client  string
	expires time.Time
}

// authCode is an authorization code waiting to be exchanged.
type authCode struct {
	grant
	redirect  string
	challenge string
}

// New returns an empty server.
func New(opts ...Option) *Server {
	s := &Server{
		now:        time.Now,
		accessTTL:  time.Hour,
		refreshTTL: 30 * 24 * time.Hour,
		members:    map[int64]*Member{},
		groups:     map[int64]*Group{},
		clients:    map[string]*OAuthClient{},
		access:     map[string]grant{},
		refresh:    map[string]grant{},
		codes:      map[string]*authCode{},
		nextID:     100000,
	}
	for _, o := range opts {
		o(s)
	}
	s.faults = &fault.Injector{Custom: s.temporarilyUnavailable}
	s.handler = s.faults.Wrap(http.HandlerFunc(s.route))
	return s
}

// ServeHTTP serves the PageSeeder services and OAuth endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Faults is the fault injector in front of the server. Its Custom failure is
// PageSeeder's own: a 503 with an error envelope.
func (s *Server) Faults() *fault.Injector { return s.faults }

// temporarilyUnavailable is what a PageSeeder server says when it cannot
// serve for now (its maintenance or overload answer). The id is not
// documented, so the envelope carries none and the status decides.
func (s *Server) temporarilyUnavailable(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/xml;charset=utf-8")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte(`<error><request>` + xmlEscape(r.URL.Path) + `</request><message>Service temporarily unavailable</message></error>`))
}

// AddMember adds or replaces a member.
func (s *Server) AddMember(m Member) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members[m.ID] = &m
}

// AddGroup adds or replaces a group or project. Group names are unique on a
// PageSeeder server; fixtures must keep them so.
func (s *Server) AddGroup(g Group) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g.Type == "" {
		g.Type = "group"
	}
	g.Subgroups = slices.Clone(g.Subgroups)
	s.groups[g.ID] = &g
}

// AddMembership adds a direct membership and returns its id (m.ID when set).
func (s *Server) AddMembership(m Membership) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.ID == 0 {
		s.nextID++
		m.ID = s.nextID
	}
	if m.Status == "" {
		m.Status = "normal"
	}
	if m.Notification == "" {
		m.Notification = "immediate"
	}
	s.memberships = append(s.memberships, &m)
	return m.ID
}

// AddClient registers an OAuth client.
func (s *Server) AddClient(c OAuthClient) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[c.ID] = &c
}

// Memberships returns a copy of every direct membership, former ones
// included, for assertions.
func (s *Server) Memberships() []Membership {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Membership, len(s.memberships))
	for i, m := range s.memberships {
		out[i] = *m
	}
	return out
}

// Requests returns the requests received so far (after fault injection
// let them through), oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// CountRequests counts received requests whose path ends with suffix, e.g.
// "/deregister" or "/oauth/token".
func (s *Server) CountRequests(method, suffix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

// groupByName finds a group by its full name. Callers hold s.mu.
func (s *Server) groupByName(name string) *Group {
	for _, g := range s.groups {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// direct returns member's direct membership of group, nil when none.
// Callers hold s.mu.
func (s *Server) direct(group, member int64) *Membership {
	var former *Membership
	for _, m := range s.memberships {
		if m.GroupID == group && m.MemberID == member {
			if !m.former() {
				return m
			}
			former = m
		}
	}
	return former
}

func (m *Membership) former() bool { return m.Deleted || m.Status == "disabled" }

// inherited returns the subgroup through which member belongs to g, if any.
// Inheritance is one level deep: a direct membership in force of a
// subgroup. Callers hold s.mu.
func (s *Server) inherited(g *Group, member int64) (Subgroup, bool) {
	for _, sg := range g.Subgroups {
		sub := s.groupByName(sg.Group)
		if sub == nil {
			continue
		}
		if d := s.direct(sub.ID, member); d != nil && !d.former() {
			return sg, true
		}
	}
	return Subgroup{}, false
}

// belongs reports whether member belongs to g: a direct membership in force
// (whatever its status: invited and moderated members are listed among the
// memberships too) or one inherited through a subgroup. Former memberships
// do not count. Callers hold s.mu.
func (s *Server) belongs(g *Group, member int64) bool {
	if d := s.direct(g.ID, member); d != nil && !d.former() {
		return true
	}
	_, ok := s.inherited(g, member)
	return ok
}

// visibleGroups applies PageSeeder's rule: "A visible group is one that the
// member does not belong to and has the Group Setting Group Visible to:
// equal to "public" or to the name of a group the member belongs to."
// Projects are not groups one joins, so only groups are listed. Callers hold
// s.mu.
func (s *Server) visibleGroups(member int64) []*Group {
	var out []*Group
	for _, g := range s.sortedGroups() {
		if g.Type != "group" || s.belongs(g, member) {
			continue
		}
		switch {
		case g.VisibleTo == "public":
			out = append(out, g)
		case g.VisibleTo != "":
			if vg := s.groupByName(g.VisibleTo); vg != nil && s.belongs(vg, member) {
				out = append(out, g)
			}
		}
	}
	return out
}

// sortedGroups returns the groups by id, so that answers are deterministic.
// Callers hold s.mu.
func (s *Server) sortedGroups() []*Group {
	out := make([]*Group, 0, len(s.groups))
	for _, g := range s.groups {
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b *Group) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// VisibleGroupIDs returns the ids of the groups visible to member, by the
// same rule GET /members/{member}/visiblegroups applies.
func (s *Server) VisibleGroupIDs(member int64) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []int64
	for _, g := range s.visibleGroups(member) {
		ids = append(ids, g.ID)
	}
	return ids
}
