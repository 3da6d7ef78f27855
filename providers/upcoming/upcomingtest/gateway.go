package upcomingtest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The platform's error messages, verbatim from its method pages where they
// are documented.
const (
	msgNoAPIKey      = "Missing valid api_key - Please create an API key using the above link."
	msgBadAPIKey     = "Your api_key is inactive or not found - Please contact us for support."
	msgNoAuth        = "Missing valid authentication parameters - Please pass an authentication token to the method."
	msgBadAuth       = "Invalid authentication parameters - either that token was not found, or it may be deactivated. Please contact us for support."
	msgBadFrob       = "Missing valid frob: the api_key and frob pair you passed was not found, or has expired."
	msgBadToken      = "Token not found, is expired, or was invalid."
	msgBadGroupID    = "Missing valid group_id - The group_id was improperly formatted or non-numeric."
	msgBadUserID     = "Invalid user_id parameter."
	msgNotMember     = "You are not a member of this group."
	msgAlreadyMember = "You are already a member of this group."
	msgBanned        = "You have been banned from this group."
	// Undocumented: the wording for a group_id that is numeric but names no
	// group on join and leave; the documentation lists only "invalid
	// group_id parameter" under 409.
	msgNoGroup = "Invalid group_id parameter - the group was not found."
	// Undocumented: the wording and status for an unknown method and a write
	// sent with GET.
	msgUnknownMethod = "Invalid method - the method you called does not exist."
	msgNeedsPOST     = "This method requires HTTP POST."
	// Undocumented: the platform's own "temporarily unavailable" answer.
	msgUnavailable = "Service temporarily unavailable - please try again later."
)

// call is one gateway request being served.
type call struct {
	w      http.ResponseWriter
	r      *http.Request
	method string
	json   bool
}

func (c *call) arg(name string) string { return c.r.Form.Get(name) }

// serveGateway dispatches on the method argument. GET and POST are both
// accepted ("HTTP GET or POST"), except that the writes group.join and
// group.leave require POST as their pages say.
func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &call{w: w, r: r, method: r.Form.Get("method")}
	c.json = r.Form.Get("format") == "json" && !s.xmlOnly
	s.calls[c.method]++
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		s.fail(c, http.StatusMethodNotAllowed, msgNeedsPOST)
		return
	}
	switch c.method {
	case "auth.getToken":
		s.getToken(c)
	case "auth.checkToken":
		s.checkToken(c)
	case "group.getMyGroups":
		s.getMyGroups(c)
	case "group.getInfo":
		s.getInfo(c)
	case "group.join":
		s.join(c)
	case "group.leave":
		s.leave(c)
	default:
		// Undocumented: an unknown method is a 400.
		s.fail(c, http.StatusBadRequest, msgUnknownMethod)
	}
}

// checkKey verifies the api_key. The status differs per method family, as
// documented: the reads answer 404, group.join and group.leave 409.
func (s *Server) checkKey(c *call, status int) bool {
	key := c.arg("api_key")
	switch {
	case key == "":
		s.fail(c, status, msgNoAPIKey)
		return false
	case !s.apiKeys[key]:
		s.fail(c, status, msgBadAPIKey)
		return false
	}
	return true
}

// authUser verifies the token: it must exist and have been issued to the
// api key it is used with (a token is one user's approval of one
// application). required says whether a missing token is an error.
func (s *Server) authUser(c *call, required bool) (userID int64, ok bool) {
	tok := c.arg("token")
	if tok == "" {
		if required {
			s.fail(c, http.StatusForbidden, msgNoAuth)
			return 0, false
		}
		return 0, true
	}
	g, found := s.tokens[tok]
	if !found || g.apiKey != c.arg("api_key") {
		s.fail(c, http.StatusForbidden, msgBadAuth)
		return 0, false
	}
	if s.users[g.userID] == nil {
		// The token outlived its user.
		s.fail(c, http.StatusConflict, msgBadUserID)
		return 0, false
	}
	return g.userID, true
}

// auth.getToken exchanges a frob, once, for a new token.
func (s *Server) getToken(c *call) {
	if !s.checkKey(c, http.StatusNotFound) {
		return
	}
	frob := c.arg("frob")
	g, ok := s.frobs[frob]
	if !ok || g.apiKey != c.arg("api_key") || !s.now().Before(g.expires) || s.users[g.userID] == nil {
		s.fail(c, http.StatusNotFound, msgBadFrob)
		return
	}
	delete(s.frobs, frob)
	tok := randomHex(20)
	s.tokens[tok] = grant{apiKey: g.apiKey, userID: g.userID}
	s.writeToken(c, tok, s.users[g.userID])
}

// auth.checkToken returns the token's user; a bad token is 404 here, not
// 403, as the method's page says.
func (s *Server) checkToken(c *call) {
	if !s.checkKey(c, http.StatusNotFound) {
		return
	}
	tok := c.arg("token")
	g, ok := s.tokens[tok]
	if !ok || g.apiKey != c.arg("api_key") || s.users[g.userID] == nil {
		s.fail(c, http.StatusNotFound, msgBadToken)
		return
	}
	s.writeToken(c, tok, s.users[g.userID])
}

// group.getMyGroups lists the user's groups, newest id first as in the
// documentation's example. Undocumented: no pagination.
func (s *Server) getMyGroups(c *call) {
	if !s.checkKey(c, http.StatusNotFound) {
		return
	}
	uid, ok := s.authUser(c, true)
	if !ok {
		return
	}
	var gs []*groupState
	for _, g := range s.groups {
		if !g.deleted && g.members[uid] != nil {
			gs = append(gs, g)
		}
	}
	slices.SortFunc(gs, func(a, b *groupState) int { return int(min(max(b.ID-a.ID, -1), 1)) })
	s.writeGroups(c, http.StatusOK, gs)
}

// group.getInfo returns the groups of a comma-separated id list, in the
// order asked. The token is optional and only needed for private groups.
//
// Undocumented: ids of groups that do not exist, were deleted or are
// private to others are left out of the answer rather than failing it; a
// merged id fails the call with 301 naming the first merged id asked.
func (s *Server) getInfo(c *call) {
	if !s.checkKey(c, http.StatusNotFound) {
		return
	}
	ids, ok := parseIDs(c.arg("group_id"))
	if !ok {
		s.fail(c, http.StatusNotFound, msgBadGroupID)
		return
	}
	uid, ok := s.authUser(c, false)
	if !ok {
		return
	}
	for _, id := range ids {
		if into, merged := s.merged[id]; merged {
			s.fail(c, http.StatusMovedPermanently,
				"The group "+strconv.FormatInt(id, 10)+" has been permanently merged to "+s.site+"group/"+strconv.FormatInt(into, 10)+"/")
			return
		}
	}
	var gs []*groupState
	for _, id := range ids {
		g := s.groups[id]
		if g == nil || g.deleted || slices.Contains(gs, g) {
			continue
		}
		if g.IsPrivate && (uid == 0 || g.members[uid] == nil) {
			continue
		}
		gs = append(gs, g)
	}
	s.writeGroups(c, http.StatusOK, gs)
}

// writeTarget finds the group of a write. Undocumented: a merged or unknown
// group is 409 "invalid group_id", like an ill-formed one.
func (s *Server) writeTarget(c *call) (*groupState, bool) {
	ids, ok := parseIDs(c.arg("group_id"))
	if !ok || len(ids) != 1 {
		s.fail(c, http.StatusConflict, "Invalid group_id parameter.")
		return nil, false
	}
	g := s.groups[ids[0]]
	if g == nil || g.deleted {
		s.fail(c, http.StatusConflict, msgNoGroup)
		return nil, false
	}
	return g, true
}

// group.join adds the user, or queues the request (202) when the group's
// members are moderated. A deleted group "may not be rejoined": it is gone
// for join as for everything else.
func (s *Server) join(c *call) {
	if c.r.Method != http.MethodPost {
		s.fail(c, http.StatusMethodNotAllowed, msgNeedsPOST)
		return
	}
	if !s.checkKey(c, http.StatusConflict) {
		return
	}
	uid, ok := s.authUser(c, true)
	if !ok {
		return
	}
	g, ok := s.writeTarget(c)
	if !ok {
		return
	}
	switch {
	case g.members[uid] != nil:
		s.fail(c, http.StatusConflict, msgAlreadyMember)
		return
	case g.banned[uid]:
		s.fail(c, http.StatusConflict, msgBanned)
		return
	case g.MemberModeration:
		g.pending[uid] = true
		s.writeGroups(c, http.StatusAccepted, []*groupState{g})
		return
	}
	g.members[uid] = &Member{UserID: uid, Joined: s.now()}
	s.writeGroups(c, http.StatusOK, []*groupState{g})
}

// group.leave applies the documented rules: "If the user leaving was the
// last member of the group, the group is permanently deleted, and may not be
// rejoined. If the user who left was the last admin in the group, the user
// remaining with the earliest join timestamp becomes an admin." The answer
// is the documented empty success either way.
//
// Undocumented: the owner may leave like any admin; owner_user_id keeps
// naming the creator, since nothing says ownership moves.
func (s *Server) leave(c *call) {
	if c.r.Method != http.MethodPost {
		s.fail(c, http.StatusMethodNotAllowed, msgNeedsPOST)
		return
	}
	if !s.checkKey(c, http.StatusConflict) {
		return
	}
	uid, ok := s.authUser(c, true)
	if !ok {
		return
	}
	g, ok := s.writeTarget(c)
	if !ok {
		return
	}
	m := g.members[uid]
	if m == nil {
		s.fail(c, http.StatusConflict, msgNotMember)
		return
	}
	delete(g.members, uid)
	if len(g.members) == 0 {
		g.deleted = true
		clear(g.pending)
	} else if m.Admin {
		remaining := g.sortedMembers()
		if !slices.ContainsFunc(remaining, func(m Member) bool { return m.Admin }) {
			g.members[remaining[0].UserID].Admin = true
		}
	}
	s.writeOK(c)
}

// parseIDs reads a comma-separated list of positive integers.
func parseIDs(s string) ([]int64, bool) {
	if strings.TrimSpace(s) == "" {
		return nil, false
	}
	var ids []int64
	for _, part := range strings.Split(s, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
		if err != nil || id <= 0 {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}

// temporarilyUnavailable is the injector's Custom failure.
func (s *Server) temporarilyUnavailable(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	c := &call{w: w, r: r, method: r.Form.Get("method"), json: r.Form.Get("format") == "json" && !s.xmlOnly}
	s.mu.Unlock()
	s.fail(c, http.StatusServiceUnavailable, msgUnavailable)
}
