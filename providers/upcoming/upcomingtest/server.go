// Package upcomingtest is a simulator of the Upcoming REST gateway, in the
// spirit of net/http/httptest: an http.Handler over in-memory users, groups,
// memberships, api keys, frobs and tokens that speaks the platform's wire
// protocol (the ?method=… gateway, XML by default and JSON with
// format=json, errors as HTTP statuses with <rsp stat="fail"><error msg/>)
// and checks what the platform checks: api keys, tokens and the api key a
// token was issued to, POST for writes, membership for leave and private
// groups.
//
// The public service closed in 2013, so this simulator is the reference
// server for groupgraph's Upcoming provider, its tests, the conformance
// suite and the sandbox. Where the documentation is silent the simulator
// picks a reading and says so in a comment marked "Undocumented:".
package upcomingtest

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

// DefaultSiteURL is the web site named in 301 "merged" messages.
const DefaultSiteURL = "http://upcoming.yahoo.com/"

// Path is where the gateway is served, as in the historical
// http://upcoming.yahooapis.com/services/rest/.
const Path = "/services/rest/"

// User is an Upcoming user.
type User struct {
	ID int64
	// Username is the login ("getluky"), Name the display name ("Gordon Luk").
	Username string
	Name     string
}

// Group is an Upcoming group as stored: the fields group.getInfo sends,
// except member_count and num_members, which the simulator counts from the
// memberships.
type Group struct {
	ID          int64
	Name        string
	Description string
	// ModerationLevel is the JSON output's word, e.g. "unmoderated".
	ModerationLevel  string
	EventModeration  bool
	MemberModeration bool
	IsPrivate        bool
	// TopicCount and NumTopics are sent as stored: the platform's own output
	// lets them disagree, and topics are not simulated.
	TopicCount int
	NumTopics  int
	// Created is sent as the zoneless timestamp, in the server's location.
	Created             time.Time
	OwnerUserID         int64
	CommercialAccountID int64
}

// Member is one user's membership of a group.
type Member struct {
	UserID int64
	// Joined orders the promotion when the last admin leaves.
	Joined time.Time
	Admin  bool
}

// grant is what a frob or a token stands for: a user's approval of one
// application (api key).
type grant struct {
	apiKey  string
	userID  int64
	expires time.Time // frobs only
}

type groupState struct {
	Group
	members map[int64]*Member
	pending map[int64]bool
	banned  map[int64]bool
	// deleted: the last member left. The group is kept as a tombstone so
	// that it "may not be rejoined", as the documentation says.
	deleted bool
}

// Server is the simulator. Create it with New, configure it with its
// methods (safe for concurrent use, also while serving), and serve it with
// httptest.NewServer; the gateway is at Path.
type Server struct {
	faults  *fault.Injector
	handler http.Handler

	mu      sync.Mutex
	site    string
	loc     *time.Location
	now     func() time.Time
	xmlOnly bool
	apiKeys map[string]bool
	users   map[int64]*User
	groups  map[int64]*groupState
	merged  map[int64]int64
	tokens  map[string]grant
	frobs   map[string]grant
	calls   map[string]int
	// callbacks are the applications' registered callback URLs, by api key;
	// approver is the user the approval page approves as (0: it refuses).
	callbacks map[string]string
	approver  int64
}

// New returns an empty simulator: no api keys, users or groups. Timestamps
// are written in UTC and its clock is time.Now until SetLocation and
// SetClock say otherwise.
func New() *Server {
	s := &Server{
		faults:  &fault.Injector{},
		site:    DefaultSiteURL,
		loc:     time.UTC,
		now:     time.Now,
		apiKeys: map[string]bool{},
		users:   map[int64]*User{},
		groups:  map[int64]*groupState{},
		merged:  map[int64]int64{},
		tokens:  map[string]grant{},
		frobs:   map[string]grant{},
		calls:   map[string]int{},

		callbacks: map[string]string{},
	}
	s.faults.Custom = s.temporarilyUnavailable
	mux := http.NewServeMux()
	mux.HandleFunc(Path, s.serveGateway)
	mux.HandleFunc(Path[:len(Path)-1], s.serveGateway)
	mux.HandleFunc("GET "+ApprovalPath, s.serveApproval)
	s.handler = s.faults.Wrap(mux)
	return s
}

// ServeHTTP serves the gateway behind the fault injector.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Faults is the latency and failure injector in front of the gateway. Its
// Custom failure is the platform's own: 503 with a stat="fail" envelope
// saying the service is temporarily unavailable.
func (s *Server) Faults() *fault.Injector { return s.faults }

// SetXMLOnly makes the server ignore format=json and answer XML, as some
// deployments of the interface do.
func (s *Server) SetXMLOnly(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.xmlOnly = on
}

// SetLocation sets the zone the zoneless timestamps are written in.
func (s *Server) SetLocation(loc *time.Location) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loc = loc
}

// SetClock replaces time.Now, for join timestamps and frob expiry.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// AddAPIKey registers an application's api_key.
func (s *Server) AddAPIKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apiKeys[key] = true
}

// RevokeAPIKey deactivates an api_key ("inactive or not found").
func (s *Server) RevokeAPIKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.apiKeys, key)
}

// AddUser adds or replaces a user.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = &u
}

// AddGroup adds or replaces a group, with no members. It panics on an id
// that is not positive, a fixture mistake.
func (s *Server) AddGroup(g Group) {
	if g.ID <= 0 {
		panic(fmt.Sprintf("upcomingtest: group id %d is not positive", g.ID))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[g.ID] = &groupState{Group: g, members: map[int64]*Member{}, pending: map[int64]bool{}, banned: map[int64]bool{}}
}

// AddMember makes a user a member of a group. It panics when the user or
// the group does not exist, a fixture mistake.
func (s *Server) AddMember(groupID, userID int64, joined time.Time, admin bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.mustGroup(groupID)
	if s.users[userID] == nil {
		panic(fmt.Sprintf("upcomingtest: no user %d", userID))
	}
	g.members[userID] = &Member{UserID: userID, Joined: joined, Admin: admin}
}

// Ban bars a user from joining a group.
func (s *Server) Ban(groupID, userID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustGroup(groupID).banned[userID] = true
}

// MergeGroup records that from was merged into into: group.getInfo answers
// 301 for from, naming into. from's own record, if any, is removed.
func (s *Server) MergeGroup(from, into int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.groups, from)
	s.merged[from] = into
}

func (s *Server) mustGroup(id int64) *groupState {
	g := s.groups[id]
	if g == nil {
		panic(fmt.Sprintf("upcomingtest: no group %d", id))
	}
	return g
}

// IssueFrob is the approval page: the user approves the application with
// this api key, and the platform hands back a frob that auth.getToken
// exchanges for a token once, within an hour.
func (s *Server) IssueFrob(apiKey string, userID int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := randomHex(16)
	s.frobs[f] = grant{apiKey: apiKey, userID: userID, expires: s.now().Add(time.Hour)}
	return f
}

// IssueToken creates a token for a user of an application directly, as a
// completed frob flow would.
func (s *Server) IssueToken(apiKey string, userID int64) string {
	tok := randomHex(20)
	s.SetToken(tok, apiKey, userID)
	return tok
}

// SetToken installs a known token, for fixtures that need a stable one.
func (s *Server) SetToken(tok, apiKey string, userID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok] = grant{apiKey: apiKey, userID: userID}
}

// RevokeToken deactivates a token.
func (s *Server) RevokeToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, tok)
}

// GroupInfo returns a group's stored record; ok is false when it does not
// exist or was deleted.
func (s *Server) GroupInfo(id int64) (g Group, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.groups[id]
	if st == nil || st.deleted {
		return Group{}, false
	}
	return st.Group, true
}

// Deleted reports whether the group was deleted because its last member
// left.
func (s *Server) Deleted(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[id]
	return g != nil && g.deleted
}

// Members returns a group's members in join order (ties by user id).
func (s *Server) Members(groupID int64) []Member {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[groupID]
	if g == nil {
		return nil
	}
	return g.sortedMembers()
}

// Pending reports whether a user's join of a moderated group is queued.
func (s *Server) Pending(groupID, userID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[groupID]
	return g != nil && g.pending[userID]
}

// Calls returns how many requests for an API method ("group.getInfo")
// reached the gateway (faults injected in front of it are not counted).
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

func (g *groupState) sortedMembers() []Member {
	ms := make([]Member, 0, len(g.members))
	for _, m := range g.members {
		ms = append(ms, *m)
	}
	slices.SortFunc(ms, func(a, b Member) int {
		if c := a.Joined.Compare(b.Joined); c != 0 {
			return c
		}
		return int(min(max(a.UserID-b.UserID, -1), 1))
	})
	return ms
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
