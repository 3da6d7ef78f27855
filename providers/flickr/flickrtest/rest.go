package flickrtest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// restCall is one REST request being served.
type restCall struct {
	r      *http.Request
	ps     params
	caller *Token // nil for a call signed without a token or not signed
}

// apiFail is a stat=fail answer.
type apiFail struct {
	code int
	msg  string
}

// methodSpec is what Flickr's reflection says of a method: the permission
// it needs (requiredperms), whether it must be POSTed, and how to serve it.
// Handlers run with s.mu held.
type methodSpec struct {
	perm  Perm
	post  bool
	serve func(s *Simulator, c *restCall) (*node, *apiFail)
}

var methods = map[string]methodSpec{
	"flickr.test.login":       {perm: PermRead, serve: (*Simulator).testLogin},
	"flickr.people.getGroups": {perm: PermRead, serve: (*Simulator).getGroups},
	"flickr.groups.getInfo":   {perm: PermNone, serve: (*Simulator).getInfo},
	"flickr.groups.join":      {perm: PermWrite, post: true, serve: (*Simulator).join},
	"flickr.groups.leave":     {perm: PermDelete, post: true, serve: (*Simulator).leaveGroup},
}

// serveREST checks a REST call in the order Flickr reports problems: the
// transport (95), the format (111, answered in XML), the method (112), the
// API key (100), the signature and token (96, 97, 98, or a raw
// oauth_problem for a stale timestamp or replayed nonce), then the
// permission (99).
func (s *Simulator) serveREST(w http.ResponseWriter, r *http.Request) {
	ps, err := readParams(r)
	f, fok := formatOf(ps)
	if err != nil {
		writeFailure(w, f, 116, "Bad URL found")
		return
	}
	if s.RequireTLS && r.TLS == nil {
		writeFailure(w, f, 95, "SSL is required")
		return
	}
	if !fok {
		writeFailure(w, format{}, 111, `Format "`+ps.get("format")+`" not found`)
		return
	}
	name := ps.get("method")
	spec, ok := methods[name]
	if !ok {
		writeFailure(w, f, 112, `Method "`+name+`" not found`)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, af := s.verify(r, ps, func(token, key string) (string, bool) {
		t, ok := s.tokens[token]
		if !ok || t.ConsumerKey != key {
			return "", false
		}
		return t.Secret, true
	})
	if af != nil {
		if af.code == 0 {
			writeProblem(w, af)
			return
		}
		writeFailure(w, f, af.code, af.msg)
		return
	}
	c := &restCall{r: r, ps: ps}
	if v.token != "" {
		c.caller = s.tokens[v.token]
	}
	if fail := permitted(spec, c); fail != nil {
		writeFailure(w, f, fail.code, fail.msg)
		return
	}
	if q := s.failNext[name]; len(q) > 0 {
		s.failNext[name] = q[1:]
		writeFailure(w, f, q[0], message(name, q[0]))
		return
	}
	payload, fail := spec.serve(s, c)
	if fail != nil {
		writeFailure(w, f, fail.code, fail.msg)
		return
	}
	writeOK(w, f, payload)
}

// permitted applies the method's permission. Flickr treats a GET as a read
// whatever the token allows, so a POST-only method called by GET fails
// like a token without the permission (our reading: the documentation only
// says these methods "require an HTTP POST request").
func permitted(spec methodSpec, c *restCall) *apiFail {
	if spec.perm == PermNone {
		return nil
	}
	if c.caller == nil {
		return &apiFail{99, "User not logged in / Insufficient permissions"}
	}
	if c.caller.Perms < spec.perm {
		return &apiFail{99, "Insufficient permissions. Method requires " + spec.perm.String() + " privileges; " + c.caller.Perms.String() + " granted."}
	}
	if spec.post && c.r.Method != http.MethodPost {
		return &apiFail{99, "Insufficient permissions. Method requires an HTTP POST request."}
	}
	return nil
}

// writeFail answers a stat=fail in the format the request asked for; the
// fault injector's Custom failure (105) uses it.
func (s *Simulator) writeFail(w http.ResponseWriter, r *http.Request, code int, msg string) {
	ps, _ := readParams(r)
	f, _ := formatOf(ps)
	writeFailure(w, f, code, msg)
}

func (c *restCall) callerID() string {
	if c.caller == nil {
		return ""
	}
	return c.caller.UserID
}

func (s *Simulator) testLogin(c *restCall) (*node, *apiFail) {
	u := s.users[c.caller.UserID]
	if u == nil {
		return nil, &apiFail{98, "Invalid auth token"}
	}
	return el("user", a("id", u.NSID)).add(textEl("username", u.Username)), nil
}

// getGroups lists the groups of user_id. A user may list another user's
// groups, but not the private ones the caller cannot see (our reading).
func (s *Simulator) getGroups(c *restCall) (*node, *apiFail) {
	userID := c.ps.get("user_id")
	if _, ok := s.users[userID]; !ok {
		return nil, &apiFail{1, "User not found"}
	}
	extras := map[string]bool{}
	for _, e := range strings.Split(c.ps.get("extras"), ",") {
		extras[strings.TrimSpace(e)] = true
	}
	ids := make([]string, 0, len(s.groups))
	for id := range s.groups {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := &node{name: "groups", lists: []string{"group"}}
	for _, id := range ids {
		g := s.groups[id]
		m := g.member(userID)
		if m == nil || !g.visibleTo(c.callerID()) {
			continue
		}
		n := el("group",
			a("nsid", g.NSID), a("name", g.Name), a("iconfarm", g.IconFarm), a("iconserver", g.IconServer),
			a("admin", flag(m.Role == RoleAdmin)), a("eighteenplus", flag(g.EighteenPlus)),
			a("invitation_only", flag(g.InvitationOnly)),
			a("members", looseCount(g.memberCount())), a("pool_count", looseCount(g.poolCount())))
		if extras["privacy"] {
			n.add(textEl("privacy", g.Privacy))
		}
		if extras["throttle"] {
			n.add(throttleEl(g, nil))
		}
		if extras["restrictions"] {
			n.add(restrictionsEl(g.Restrictions))
		}
		out.add(n)
	}
	return out, nil
}

// looseCount mimics recorded people.getGroups JSON, where large counts come
// as strings and small ones as numbers.
func looseCount(n int) any {
	if n >= 1000 {
		return strconv.Itoa(n)
	}
	return n
}

func throttleEl(g *groupState, m *Member) *node {
	t := el("throttle")
	if g.Throttle.Mode != "none" && g.Throttle.Mode != "" {
		t.attrs = append(t.attrs, a("count", g.Throttle.Count))
	}
	mode := g.Throttle.Mode
	if mode == "" {
		mode = "none"
	}
	t.attrs = append(t.attrs, a("mode", mode))
	if m != nil && mode != "none" {
		// Every member may still add the full count: the simulator does
		// not date pool additions.
		t.attrs = append(t.attrs, a("remaining", g.Throttle.Count))
	}
	return t
}

func restrictionsEl(r Restrictions) *node {
	return el("restrictions",
		a("photos_ok", flag(r.PhotosOK)), a("videos_ok", flag(r.VideosOK)), a("images_ok", flag(r.ImagesOK)),
		a("screens_ok", flag(r.ScreensOK)), a("art_ok", flag(r.ArtOK)), a("virtual_ok", flag(r.VirtualOK)),
		a("safe_ok", flag(r.SafeOK)), a("moderate_ok", flag(r.ModerateOK)),
		a("restricted_ok", flag(r.RestrictedOK)), a("has_geo", flag(r.HasGeo)))
}

// getInfo describes a group. It needs no login; a call signed with a token
// also gets the caller's is_member/is_moderator/is_admin/is_founder flags.
// A private group is "not found" for anyone but its members.
func (s *Simulator) getInfo(c *restCall) (*node, *apiFail) {
	id := c.ps.get("group_id")
	if id == "" {
		if alias := c.ps.get("group_path_alias"); alias != "" {
			for _, g := range s.groups {
				if g.PathAlias == alias {
					id = g.NSID
				}
			}
		}
	}
	g, ok := s.groups[id]
	if !ok || !g.visibleTo(c.callerID()) {
		return nil, &apiFail{1, "Group not found"}
	}
	n := el("group", a("id", g.NSID), a("nsid", g.NSID), a("path_alias", g.PathAlias),
		a("iconserver", numericIfPossible(g.IconServer)), a("iconfarm", g.IconFarm), a("lang", g.Lang),
		a("ispoolmoderated", flag(g.PoolModerated)), a("eighteenplus", flag(g.EighteenPlus)),
		a("invitation_only", flag(g.InvitationOnly)))
	var m *Member
	if c.caller != nil {
		m = g.member(c.caller.UserID)
		n.attrs = append(n.attrs,
			a("is_member", flag(m != nil)),
			a("is_moderator", flag(m != nil && m.Role == RoleModerator)),
			a("is_admin", flag(m != nil && m.Role == RoleAdmin)),
			a("is_founder", flag(g.FounderID != "" && g.FounderID == c.caller.UserID)))
	}
	n.add(
		textEl("name", g.Name),
		textEl("description", g.Description),
		textEl("rules", g.Rules),
		textEl("members", strconv.Itoa(g.memberCount())),
		textEl("pool_count", strconv.Itoa(g.poolCount())),
		textEl("topic_count", strconv.Itoa(g.Topics)),
		textEl("privacy", g.Privacy),
		el("roles", a("member", g.Roles.Member), a("moderator", g.Roles.Moderator), a("admin", g.Roles.Admin)),
		textEl("datecreate", g.Created.UTC().Format("2006-01-02 15:04:05")),
		throttleEl(g, m),
		restrictionsEl(g.Restrictions),
	)
	return n, nil
}

// numericIfPossible mimics recorded getInfo JSON, where iconserver is a
// number.
func numericIfPossible(s string) any {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return s
}

// truthy reads a boolean argument. Flickr's clients send delete_photos as
// 1 or as true; 0, false and absent mean no (providers.md, Unknowns: the
// documented reading).
func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

func (s *Simulator) leaveGroup(c *restCall) (*node, *apiFail) {
	id := c.ps.get("group_id")
	if id == "" {
		return nil, &apiFail{1, "Required arguments missing"}
	}
	g, ok := s.groups[id]
	if !ok {
		return nil, &apiFail{2, "Group does not exist"}
	}
	if g.member(c.caller.UserID) == nil {
		return nil, &apiFail{3, "Account is not in that group"}
	}
	s.leave(g, c.caller.UserID, truthy(c.ps.get("delete_photos")))
	return nil, nil
}

func (s *Simulator) join(c *restCall) (*node, *apiFail) {
	id := c.ps.get("group_id")
	if id == "" {
		return nil, &apiFail{1, "Required arguments missing"}
	}
	g, ok := s.groups[id]
	if !ok {
		return nil, &apiFail{2, "Group does not exist"}
	}
	uid := c.caller.UserID
	switch {
	case !g.visibleTo(uid):
		return nil, &apiFail{3, "Group not available to the account"}
	case g.member(uid) != nil:
		return nil, &apiFail{4, "Account already in that group"}
	case g.InvitationOnly || g.Privacy != 3:
		return nil, &apiFail{5, "Membership in group is by invitation only."}
	case g.Rules != "" && !truthy(c.ps.get("accept_rules")):
		return nil, &apiFail{6, "User must accept the group rules before joining"}
	}
	g.members = append(g.members, &Member{UserID: uid, Role: RoleMember, Joined: s.now()})
	return nil, nil
}

// genericMessages are the messages of Flickr's generic codes, as the seed
// documents list them.
var genericMessages = map[int]string{
	95: "SSL is required", 96: "Invalid signature", 97: "Missing signature",
	98: "Login failed / Invalid auth token", 99: "User not logged in / Insufficient permissions",
	100: "Invalid API Key", 105: "Service currently unavailable", 106: "Write operation failed",
	111: `Format "xxx" not found`, 112: `Method "xxx" not found`, 114: "Invalid SOAP envelope",
	115: "Invalid XML-RPC Method Call", 116: "Bad URL found",
}

// methodMessages are the method-specific codes' messages.
var methodMessages = map[string]map[int]string{
	"flickr.people.getGroups": {1: "User not found"},
	"flickr.groups.getInfo":   {1: "Group not found", 2: "Group is private"},
	"flickr.groups.leave":     {1: "Required arguments missing", 2: "Group does not exist", 3: "Account is not in that group"},
	"flickr.groups.join": {1: "Required arguments missing", 2: "Group does not exist", 3: "Group not available to the account",
		4: "Account already in that group", 5: "Membership in group is by invitation only.",
		6: "User must accept the group rules before joining", 10: "Account in maximum number of groups", 11: "User unable to join"},
}

func message(method string, code int) string {
	if m, ok := methodMessages[method][code]; ok {
		return m
	}
	if m, ok := genericMessages[code]; ok {
		return m
	}
	return "Unknown error"
}

// FailNext makes the next calls of a method, once authenticated and
// permitted, fail with the given Flickr codes in order, with the messages
// the documentation gives them. It reaches the codes no state can cause
// (106 write failed, 114 and 115 for SOAP and XML-RPC, which the simulator
// does not serve).
func (s *Simulator) FailNext(method string, codes ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext[method] = append(s.failNext[method], codes...)
}
