// Package flickrtest is a Flickr simulator in the spirit of net/http/httptest:
// an http.Handler over in-memory state that speaks Flickr's wire protocol
// (the REST endpoint in format=rest XML and format=json, with and without
// nojsoncallback, and the three OAuth 1.0a endpoints) and verifies what
// Flickr verifies: API keys, OAuth signatures (with its own base-string
// code, independent of the client's), timestamps, nonces, and per-token
// permissions.
//
// Tests build exact fixtures with New and the Add… methods; the sandbox and
// the conformance suite use SeedSandbox, which loads the seed document's
// groups plus generated members. Every request first passes through a
// fault.Injector (Faults), whose Custom failure is Flickr's own
// stat=fail 105 "Service currently unavailable".
//
//	sim := flickrtest.New()
//	acct := sim.SeedSandbox()
//	srv := httptest.NewServer(sim)
//	client, _ := flickr.New(flickr.Config{
//		BaseURL:  srv.URL + "/services/rest",
//		OAuthURL: srv.URL + "/services/oauth",
//		ConsumerKey: flickrtest.SandboxConsumerKey, ConsumerSecret: flickrtest.SandboxConsumerSecret,
//	})
package flickrtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/groupgraph/groupgraph/providers/fault"
)

// Perm is a token's permission level (providers.md §1.2); each level
// includes the ones below it.
type Perm int

// Permission levels.
const (
	PermNone Perm = iota
	PermRead
	PermWrite
	PermDelete
)

// String is Flickr's name of the level.
func (p Perm) String() string {
	switch p {
	case PermRead:
		return "read"
	case PermWrite:
		return "write"
	case PermDelete:
		return "delete"
	}
	return "none"
}

// ParsePerm reads "read", "write" or "delete".
func ParsePerm(s string) (Perm, bool) {
	for _, p := range []Perm{PermRead, PermWrite, PermDelete} {
		if s == p.String() {
			return p, true
		}
	}
	return PermNone, false
}

// Role is a member's standing in a group.
type Role int

// Roles.
const (
	RoleMember Role = iota
	RoleModerator
	RoleAdmin
)

// User is a Flickr account.
type User struct {
	NSID     string
	Username string
	Realname string
}

// Group is a Flickr group's own data. Member and photo counts are derived
// from the modelled members plus OtherMembers and OtherPhotos, which stand
// for members and pool photos that are counted but not modelled one by one
// (a seed group has thousands).
type Group struct {
	NSID           string
	Name           string
	Description    string
	Rules          string
	PathAlias      string
	Lang           string
	IconFarm       int
	IconServer     string
	Privacy        int // 1 private, 2 invite-only public, 3 open public
	EighteenPlus   bool
	InvitationOnly bool
	PoolModerated  bool
	Topics         int
	Created        time.Time
	Roles          Roles
	Throttle       Throttle
	Restrictions   Restrictions
	// FounderID is the NSID of the user who created the group.
	FounderID    string
	OtherMembers int
	OtherPhotos  int
}

// Roles are a group's names for its roles.
type Roles struct{ Member, Moderator, Admin string }

// Throttle limits pool additions: Mode "none", "day", "week", "month" or
// "ever", Count per period (unused for "none").
type Throttle struct {
	Mode  string
	Count int
}

// Restrictions are the content a pool accepts.
type Restrictions struct {
	PhotosOK, VideosOK, ImagesOK, ScreensOK, ArtOK, VirtualOK bool
	SafeOK, ModerateOK, RestrictedOK, HasGeo                  bool
}

// Member is one modelled membership.
type Member struct {
	UserID string
	Role   Role
	Joined time.Time
	// Photos is how many of the member's photos are in the pool.
	Photos int
}

// Token is an access token: who it belongs to, which application it was
// issued to, and what it may do.
type Token struct {
	Token, Secret string
	ConsumerKey   string
	UserID        string
	Perms         Perm
}

// Simulator is the Flickr simulator. Its methods are safe for concurrent
// use, also while it serves; set its exported fields before it serves.
type Simulator struct {
	// MaxSkew is how far an oauth_timestamp may be from the clock; Flickr
	// does not document its window, so the usual five minutes is used.
	MaxSkew time.Duration
	// RequireTLS makes plain-HTTP REST calls fail with 95 "SSL is
	// required", as Flickr does; off by default because httptest servers
	// are plain HTTP.
	RequireTLS bool

	mu       sync.Mutex
	now      func() time.Time
	apps     map[string]string // consumer key → secret
	users    map[string]*User
	groups   map[string]*groupState
	tokens   map[string]*Token
	requests map[string]*requestToken
	nonces   map[string]time.Time
	approver string // user the authorize page approves for
	failNext map[string][]int

	faults  *fault.Injector
	handler http.Handler
}

type groupState struct {
	Group
	members []*Member // in join order
}

// New returns an empty simulator using the real clock.
func New() *Simulator {
	s := &Simulator{
		MaxSkew:  5 * time.Minute,
		now:      time.Now,
		apps:     map[string]string{},
		users:    map[string]*User{},
		groups:   map[string]*groupState{},
		tokens:   map[string]*Token{},
		requests: map[string]*requestToken{},
		nonces:   map[string]time.Time{},
		failNext: map[string][]int{},
	}
	s.faults = &fault.Injector{Custom: func(w http.ResponseWriter, r *http.Request) {
		s.writeFail(w, r, 105, "Service currently unavailable")
	}}
	mux := http.NewServeMux()
	mux.HandleFunc("/services/rest", s.serveREST)
	mux.HandleFunc("/services/rest/", s.serveREST)
	mux.HandleFunc("/services/oauth/request_token", s.serveRequestToken)
	mux.HandleFunc("/services/oauth/authorize", s.serveAuthorize)
	mux.HandleFunc("/services/oauth/access_token", s.serveAccessToken)
	s.handler = s.faults.Wrap(mux)
	return s
}

// ServeHTTP serves the REST endpoint at /services/rest and the OAuth
// endpoints under /services/oauth/.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Faults is the injector every request passes first.
func (s *Simulator) Faults() *fault.Injector { return s.faults }

// SetClock replaces the clock used for timestamps and nonces.
func (s *Simulator) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// AddApp registers an application's API key and shared secret.
func (s *Simulator) AddApp(consumerKey, consumerSecret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps[consumerKey] = consumerSecret
}

// AddUser adds or replaces a user.
func (s *Simulator) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.NSID] = &u
}

// AddGroup adds or replaces a group, keeping its modelled members.
func (s *Simulator) AddGroup(g Group) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.groups[g.NSID]; ok {
		old.Group = g
		return
	}
	s.groups[g.NSID] = &groupState{Group: g}
}

// AddMember makes a user a member of a group. It panics when either is
// unknown, as a fixture mistake should fail the test loudly.
func (s *Simulator) AddMember(groupID string, m Member) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[groupID]
	if !ok {
		panic(fmt.Sprintf("flickrtest: AddMember: no group %s", groupID))
	}
	if _, ok := s.users[m.UserID]; !ok {
		panic(fmt.Sprintf("flickrtest: AddMember: no user %s", m.UserID))
	}
	g.members = slices.DeleteFunc(g.members, func(o *Member) bool { return o.UserID == m.UserID })
	g.members = append(g.members, &m)
	slices.SortStableFunc(g.members, func(a, b *Member) int { return a.Joined.Compare(b.Joined) })
}

// AddToken issues an access token for a user and an application.
func (s *Simulator) AddToken(t Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[t.Token] = &t
}

// RevokeToken makes a token invalid, as a user revoking the app does.
func (s *Simulator) RevokeToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, token)
}

// Group returns a group's data and whether it exists (a deleted group does
// not).
func (s *Simulator) Group(id string) (Group, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[id]
	if !ok {
		return Group{}, false
	}
	return g.Group, true
}

// Members returns a group's modelled members in join order.
func (s *Simulator) Members(groupID string) []Member {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[groupID]
	if !ok {
		return nil
	}
	out := make([]Member, len(g.members))
	for i, m := range g.members {
		out[i] = *m
	}
	return out
}

// Counts returns a group's member and pool counts as Flickr reports them.
func (s *Simulator) Counts(groupID string) (members, pool int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[groupID]
	if !ok {
		return 0, 0, false
	}
	return g.memberCount(), g.poolCount(), true
}

func (g *groupState) memberCount() int { return g.OtherMembers + len(g.members) }

func (g *groupState) poolCount() int {
	n := g.OtherPhotos
	for _, m := range g.members {
		n += m.Photos
	}
	return n
}

func (g *groupState) member(userID string) *Member {
	for _, m := range g.members {
		if m.UserID == userID {
			return m
		}
	}
	return nil
}

// visibleTo reports whether userID may see the group: private groups
// (privacy 1) are visible to their members only.
func (g *groupState) visibleTo(userID string) bool {
	return g.Privacy != 1 || (userID != "" && g.member(userID) != nil)
}

// leave removes userID from the group with Flickr's rules (seed document
// 002): the member's photos leave the pool when deletePhotos; when the last
// admin leaves and modelled members remain, the oldest of them (earliest
// join) becomes admin; when no member at all remains, the group is deleted.
// Members counted in OtherMembers cannot be promoted (they are not
// modelled), so a group left with only those has no admin, which is the
// closest reading of "the oldest member" the data allows.
// It returns whether the group was deleted and whom it promoted.
func (s *Simulator) leave(g *groupState, userID string, deletePhotos bool) (deleted bool, promoted string) {
	i := slices.IndexFunc(g.members, func(m *Member) bool { return m.UserID == userID })
	m := g.members[i]
	g.members = slices.Delete(g.members, i, i+1)
	if !deletePhotos {
		g.OtherPhotos += m.Photos // the photos stay in the pool
	}
	if g.memberCount() == 0 {
		delete(s.groups, g.NSID)
		return true, ""
	}
	if m.Role == RoleAdmin && len(g.members) > 0 && !slices.ContainsFunc(g.members, func(o *Member) bool { return o.Role == RoleAdmin }) {
		g.members[0].Role = RoleAdmin // members are kept in join order
		return false, g.members[0].UserID
	}
	return false, ""
}

// newID returns a fresh unguessable identifier with the given prefix:
// issued tokens and verifiers must not be predictable even in a sandbox.
func newID(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
