// Package akanatest is a simulator of the Akana API Platform's developer
// portal API, in the spirit of net/http/httptest: an http.Handler over
// in-memory, tenant-scoped users, groups and memberships that speaks the
// platform's wire protocol and checks what the platform checks.
//
// It serves:
//
//	POST   /api/login                                 email + password → AtmoAuthToken_{tenant} (+ Csrf-Token_{tenant})
//	POST   /api/login/renewToken                      a new session for a live one; refused once it ended
//	GET    /api/users/{UserID}                        the user (self or site admin)
//	GET    /api/users/{UserID}/groups                 the "My Groups" RSS channel in JSON
//	GET    /api/groups/{GroupID}                      group details
//	GET    /api/groups/{GroupID}/avatar               a generated avatar image
//	DELETE /api/groups/{GroupID}/members/{UserID}     member removal, for leaders and admins
//
// Sessions are signed tokens that expire (30 minutes by default, on an
// injectable clock) and, as on the platform, embed the user's groups: the
// permission checks read the groups the token was issued with, so a
// membership change takes effect for a session only once it is renewed.
// Writes need the X-Csrf-Token_{tenant} header unless CSRF protection is
// off; reads need it only when Options.ReadCSRF is set. Failures are 401
// (no, bad or expired session, missing or wrong CSRF header) and 403 (a
// permission refusal) in text/plain, and 400/404/500 as JSON faults
// ({"faultcode", "faultstring"}).
//
// Where the platform's behaviour is not documented the simulator takes a
// reading and says so where it does.
package akanatest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/fault"
)

// Role is a membership role as the platform names it.
type Role string

// The platform's roles.
const (
	RoleAdmin  Role = "com.soa.group.membership.role.admin"
	RoleLeader Role = "com.soa.group.membership.role.leader"
	RoleMember Role = "com.soa.group.membership.role.member"
)

// State is a membership state as the platform names it.
type State string

// The platform's membership states.
const (
	StatePending     State = "com.soa.group.membership.state.pending"
	StateApproved    State = "com.soa.group.membership.state.approved"
	StateDisapproved State = "com.soa.group.membership.state.disapproved"
	StateRemoved     State = "com.soa.group.membership.state.removed"
)

// The platform's group visibilities.
const (
	VisibilityPublic  = "Public"
	VisibilityLimited = "Limited"
	VisibilityPrivate = "Private"
)

// DefaultTenant is the tenant of a simulator built without one: the seed
// document's.
const DefaultTenant = "acmepaymentscorp"

// DefaultSessionTTL is the platform's default session lifetime.
const DefaultSessionTTL = 30 * time.Minute

// User is a platform user.
type User struct {
	// ID is the user id, "{uuid}.{tenant}"; it must end in the tenant.
	ID       string
	Email    string
	Password string
	// Name is the display name; UserName the login name.
	Name     string
	UserName string
	// SiteAdmin may see and change every group.
	SiteAdmin bool
}

// Group is a platform group.
type Group struct {
	// ID is the group id, "group{n}.{tenant}"; it must end in the tenant.
	ID          string
	Name        string
	Description string
	// Visibility is VisibilityPublic, VisibilityLimited, VisibilityPrivate
	// or a value of the deployment's own.
	Visibility string
	// AvatarURL is a custom avatar; empty means the platform's default,
	// served at /api/groups/{GroupID}/avatar.
	AvatarURL string
	Created   time.Time
	CreatedBy string
}

// Options configure a Server. The zero value is the platform's defaults.
type Options struct {
	// Tenant is the fedmemberid; empty means DefaultTenant.
	Tenant string
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// SessionTTL is the session lifetime; zero means DefaultSessionTTL.
	SessionTTL time.Duration
	// DisableCSRF turns the platform's CSRF protection off: no Csrf-Token
	// cookie, no header checked.
	DisableCSRF bool
	// ReadCSRF also requires the CSRF header on GETs (the platform's
	// ReadRequestCSRFSupport).
	ReadCSRF bool
}

// Stats counts what the simulator did, for assertions.
type Stats struct {
	Logins   int
	Renewals int
	Removals int
	// Refusals counts 401 and 403 answers.
	Refusals int
}

// Server is the simulator. It is safe for concurrent use.
type Server struct {
	tenant   string
	now      func() time.Time
	ttl      time.Duration
	csrf     bool
	readCSRF bool
	key      []byte // signs session tokens
	faults   *fault.Injector
	handler  http.Handler

	mu       sync.Mutex
	users    map[string]*User
	groups   map[string]*Group
	order    []string                      // group ids, in creation order
	members  map[string]map[string]*member // group id → user id → membership
	sessions map[string]*session           // by TokenID
	stats    Stats
}

type member struct {
	role  Role
	state State
	seq   int // join order
}

// New returns an empty simulator.
func New(opts Options) *Server {
	s := &Server{
		tenant:   opts.Tenant,
		now:      opts.Clock,
		ttl:      opts.SessionTTL,
		csrf:     !opts.DisableCSRF,
		readCSRF: opts.ReadCSRF && !opts.DisableCSRF,
		key:      randomBytes(32),
		users:    map[string]*User{},
		groups:   map[string]*Group{},
		members:  map[string]map[string]*member{},
		sessions: map[string]*session{},
	}
	if s.tenant == "" {
		s.tenant = DefaultTenant
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.ttl <= 0 {
		s.ttl = DefaultSessionTTL
	}
	s.faults = &fault.Injector{Custom: s.unavailable}
	s.handler = s.faults.Wrap(s.routes())
	return s
}

// ServeHTTP serves the platform's API, behind the fault injector.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Faults is the latency and fault injector in front of the API. Its Custom
// failure is the platform's own: 500 with the fault "An error occurred
// processing the call."
func (s *Server) Faults() *fault.Injector { return s.faults }

// Tenant is the simulator's tenant id.
func (s *Server) Tenant() string { return s.tenant }

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// AddUser adds or replaces a user.
func (s *Server) AddUser(u User) error {
	if !strings.HasSuffix(u.ID, "."+s.tenant) {
		return fmt.Errorf("akanatest: user id %q is not of tenant %q", u.ID, s.tenant)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, other := range s.users {
		if id != u.ID && u.Email != "" && strings.EqualFold(other.Email, u.Email) {
			return fmt.Errorf("akanatest: email %q is taken", u.Email)
		}
	}
	s.users[u.ID] = &u
	return nil
}

// AddGroup adds or replaces a group.
func (s *Server) AddGroup(g Group) error {
	if !strings.HasSuffix(g.ID, "."+s.tenant) {
		return fmt.Errorf("akanatest: group id %q is not of tenant %q", g.ID, s.tenant)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.groups[g.ID]; !ok {
		s.order = append(s.order, g.ID)
		s.members[g.ID] = map[string]*member{}
	}
	s.groups[g.ID] = &g
	return nil
}

// SetMembership makes userID a member of groupID with role and state,
// replacing any membership they had.
func (s *Server) SetMembership(groupID, userID string, role Role, state State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms, ok := s.members[groupID]
	if !ok {
		return fmt.Errorf("akanatest: no group %q", groupID)
	}
	if _, ok := s.users[userID]; !ok {
		return fmt.Errorf("akanatest: no user %q", userID)
	}
	seq := len(ms)
	if old, ok := ms[userID]; ok {
		seq = old.seq
	}
	ms[userID] = &member{role: role, state: state, seq: seq}
	return nil
}

// Membership returns userID's role and state in groupID.
func (s *Server) Membership(groupID, userID string) (Role, State, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.members[groupID][userID]
	if !ok {
		return "", "", false
	}
	return m.role, m.state, true
}

// Login opens a session for userID as POST /api/login would, for tests
// and the sandbox that need a linked account without the password
// exchange. Credentials.Secret is the CSRF token ("" with CSRF off).
func (s *Server) Login(userID string) (providers.Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return providers.Credentials{}, fmt.Errorf("akanatest: no user %q", userID)
	}
	sess := s.openLocked(u, "")
	s.stats.Logins++
	return providers.Credentials{Token: sess.token, Secret: sess.csrf, Expiry: sess.expires}, nil
}

// Account returns a linked account for userID with a new session.
func (s *Server) Account(linkID, userID string) (providers.Account, error) {
	creds, err := s.Login(userID)
	if err != nil {
		return providers.Account{}, err
	}
	s.mu.Lock()
	name := s.users[userID].Name
	s.mu.Unlock()
	return providers.Account{ID: linkID, Provider: providers.Akana, UserID: userID, DisplayName: name, Credentials: creds}, nil
}

// Revoke ends every session of userID at once, as a logout or a site
// administrator would: the sessions fail and cannot be renewed.
func (s *Server) Revoke(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, sess := range s.sessions {
		if sess.userID == userID {
			delete(s.sessions, id)
		}
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("akanatest: no randomness: " + err.Error())
	}
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }
