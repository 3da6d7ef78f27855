package akanatest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// routes maps the API. Patterns carry no method: the platform answers a
// wrong verb with 404, which each handler does itself.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/login", s.method(http.MethodPost, s.handleLogin))
	mux.HandleFunc("/api/login/renewToken", s.method(http.MethodPost, s.handleRenew))
	mux.HandleFunc("/api/users/{UserID}", s.method(http.MethodGet, s.handleUser))
	mux.HandleFunc("/api/users/{UserID}/groups", s.method(http.MethodGet, s.handleUserGroups))
	mux.HandleFunc("/api/groups/{GroupID}", s.method(http.MethodGet, s.handleGroup))
	mux.HandleFunc("/api/groups/{GroupID}/avatar", s.method(http.MethodGet, s.handleGroupAvatar))
	mux.HandleFunc("/api/users/{UserID}/avatar", s.method(http.MethodGet, s.handleUserAvatar))
	mux.HandleFunc("/api/groups/{GroupID}/members/{UserID}", s.method(http.MethodDelete, s.handleRemoveMember))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeFault(w, http.StatusNotFound, "NotFound", "Resource not found")
	})
	return mux
}

func (s *Server) method(m string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != m {
			// The platform's documented answer to a wrong verb.
			writeFault(w, http.StatusNotFound, "NotFound", "Resource not found")
			return
		}
		h(w, r)
	}
}

// writeFault answers with the JSON fault body one public client models.
func writeFault(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"faultcode": code, "faultstring": msg})
}

// writeText answers in text/plain, as the platform does for refusals (its
// portal shows responseText such as "Not Authorized").
func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg)
}

// unavailable is the platform's own "temporarily unavailable": the 500 the
// documentation lists, "An error occurred processing the call."
func (s *Server) unavailable(w http.ResponseWriter, _ *http.Request) {
	writeFault(w, http.StatusInternalServerError, "soap:Server", "An error occurred processing the call.")
}

// refuse answers 401 for an unauthenticated request. s.mu must be held.
func (s *Server) refuseLocked(w http.ResponseWriter, why refusal) {
	s.stats.Refusals++
	writeText(w, http.StatusUnauthorized, string(why))
}

// forbidLocked answers 403 for a permission refusal. The platform's
// documentation shows 401 for missing credentials and CSRF; for a
// permission refusal the simulator takes 403 ("Not Authorized"), so that
// clients can tell the two apart. s.mu must be held.
func (s *Server) forbidLocked(w http.ResponseWriter) {
	s.stats.Refusals++
	writeText(w, http.StatusForbidden, "Not Authorized")
}

// negotiate picks the JSON rendering the Accept header allows:
// application/json, or the versioned application/vnd.soa.v{71,72,80,81}+json
// when asked for by name. ok is false when only other renderings (XML) are
// acceptable, which the platform answers with 404.
func negotiate(r *http.Request) (string, bool) {
	accept := r.Header.Get("Accept")
	if strings.TrimSpace(accept) == "" {
		return "application/json", true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || params["q"] == "0" {
			continue
		}
		switch mt {
		case "application/vnd.soa.v71+json", "application/vnd.soa.v72+json", "application/vnd.soa.v80+json", "application/vnd.soa.v81+json":
			return mt, true
		case "application/json", "application/*", "*/*":
			return "application/json", true
		}
	}
	return "", false
}

func writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	ct, ok := negotiate(r)
	if !ok {
		writeFault(w, http.StatusNotFound, "NotFound", "No representation for the requested media type")
		return
	}
	// Compact, as the platform answers: this simulator also serves the
	// load scenario, where indentation would only cost.
	b, err := json.Marshal(v)
	if err != nil {
		writeFault(w, http.StatusInternalServerError, "soap:Server", "An error occurred processing the call.")
		return
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// loginBody is the JSON a login or renewal answers with.
type loginBody struct {
	UserName             string `json:"userName"`
	Status               string `json:"status"`
	AvatarURL            string `json:"avatarURL"`
	UserFDN              string `json:"userFDN"`
	AuthTokenValidUntil  int64  `json:"authTokenValidUntil"`
	LoginDomainID        string `json:"loginDomainId"`
	PendingNotifications int    `json:"pendingNotifications"`
}

func (s *Server) loginBody(r *http.Request, u *User, sess *session) loginBody {
	return loginBody{
		UserName:            u.Name,
		Status:              "com.soa.user.state.approved",
		AvatarURL:           baseURL(r) + "/api/users/" + url.PathEscape(u.ID) + "/avatar",
		UserFDN:             u.ID,
		AuthTokenValidUntil: sess.expires.UnixMilli(),
		// The platform's own login domain; ends with the tenant.
		LoginDomainID: "soa." + s.tenant,
	}
}

// handleLogin: POST /api/login {"email", "password"}. Login needs neither
// a cookie nor the CSRF header.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&in); err != nil || in.Email == "" {
		writeFault(w, http.StatusBadRequest, "BadRequest", "The request body must be {\"email\", \"password\"}")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var u *User
	for _, cand := range s.users {
		if strings.EqualFold(cand.Email, in.Email) {
			u = cand
			break
		}
	}
	if u == nil || u.Password == "" || u.Password != in.Password {
		s.stats.Refusals++
		writeFault(w, http.StatusUnauthorized, "LoginFailed", "Invalid email or password")
		return
	}
	sess := s.openLocked(u, "")
	s.stats.Logins++
	s.setSessionCookies(w, sess)
	writeJSON(w, r, s.loginBody(r, u, sess))
}

// handleRenew: POST /api/login/renewToken. It needs a live session and,
// as a write, the CSRF header; an ended session cannot be renewed. The old
// token stays valid until it ends (the reading taken: the platform's
// tokens are signed, not looked up).
func (s *Server) handleRenew(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, u, why := s.authenticateLocked(r, true)
	if why != "" {
		s.refuseLocked(w, why)
		return
	}
	sess := s.openLocked(u, old.csrf)
	s.stats.Renewals++
	s.setSessionCookies(w, sess)
	writeJSON(w, r, s.loginBody(r, u, sess))
}

// handleUser: GET /api/users/{UserID}, for the user themself or a site
// admin. Another user's id is 401, as the platform documents for a wrong
// UserID.
func (s *Server) handleUser(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, caller, why := s.authenticateLocked(r, false)
	if why != "" {
		s.refuseLocked(w, why)
		return
	}
	id := r.PathValue("UserID")
	if id != caller.ID && !caller.SiteAdmin {
		s.refuseLocked(w, "Unauthorized: not your user")
		return
	}
	u, ok := s.users[id]
	if !ok {
		writeFault(w, http.StatusNotFound, "NotFound", "User not found")
		return
	}
	writeJSON(w, r, map[string]string{
		"UserID":    u.ID,
		"Name":      u.Name,
		"UserName":  u.UserName,
		"Email":     u.Email,
		"AvatarURL": baseURL(r) + "/api/users/" + url.PathEscape(u.ID) + "/avatar",
	})
}

// The RSS channel, field for field as the platform's documentation shows
// it (title "My Groups", version "1.0", categories in this order).
type rssChannel struct {
	Channel rssBody `json:"channel"`
	Version string  `json:"version"`
}

type rssBody struct {
	Title string    `json:"title"`
	Item  []rssItem `json:"item"`
}

type rssItem struct {
	Title       string        `json:"title"`
	Description string        `json:"description"`
	Category    []rssCategory `json:"category"`
	GUID        rssGUID       `json:"guid"`
	Image       rssImage      `json:"Image"`
}

type rssCategory struct {
	Value  string `json:"value"`
	Domain string `json:"domain"`
}

type rssGUID struct {
	Value string `json:"value"`
}

type rssImage struct {
	URL  string `json:"Url"`
	Link string `json:"Link"`
}

// handleUserGroups: GET /api/users/{UserID}/groups. It lists the groups
// the user belongs to from the platform's state (not the token's), in
// every state but removed, in the groups' creation order.
func (s *Server) handleUserGroups(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, caller, why := s.authenticateLocked(r, false)
	if why != "" {
		s.refuseLocked(w, why)
		return
	}
	id := r.PathValue("UserID")
	if id != caller.ID && !caller.SiteAdmin {
		s.refuseLocked(w, "Unauthorized: not your user")
		return
	}
	out := rssChannel{Channel: rssBody{Title: "My Groups", Item: []rssItem{}}, Version: "1.0"}
	for _, gid := range s.order {
		m, ok := s.members[gid][id]
		if !ok || m.state == StateRemoved {
			continue
		}
		g := s.groups[gid]
		out.Channel.Item = append(out.Channel.Item, rssItem{
			Title:       g.Name,
			Description: g.Description,
			Category: []rssCategory{
				{Value: "group", Domain: "uddi:soa.com:resourcetype"},
				{Value: g.Visibility, Domain: "uddi:soa.com:visibility"},
				{Value: string(m.state), Domain: "uddi:soa.com:status"},
				{Value: string(m.role), Domain: "uddi:soa.com:role"},
			},
			GUID:  rssGUID{Value: g.ID},
			Image: rssImage{URL: s.avatarURL(r, g), Link: "../" + s.tenant + "#/groups/" + g.ID + "/details"},
		})
	}
	writeJSON(w, r, out)
}

func (s *Server) avatarURL(r *http.Request, g *Group) string {
	if g.AvatarURL != "" {
		return g.AvatarURL
	}
	return baseURL(r) + "/api/groups/" + g.ID + "/avatar"
}

// groupJSON is GET /api/groups/{GroupID}'s object. The platform's field
// names are not documented; the reading taken is PascalCase, like its
// other objects, and the client reads the same names.
type groupJSON struct {
	GroupID      string `json:"GroupID"`
	Name         string `json:"Name"`
	Description  string `json:"Description"`
	Visibility   string `json:"Visibility"`
	AvatarURL    string `json:"AvatarURL"`
	ResourceType string `json:"ResourceType"`
	MemberCount  int    `json:"MemberCount"`
	Created      string `json:"Created,omitempty"`
	CreatedBy    string `json:"CreatedBy,omitempty"`
}

// canViewLocked: Public and Limited groups are visible to every signed-in
// user of the tenant, Private ones to their members (per the session's
// embedded groups) and site admins. The documentation says "a user must
// be a group member or have other authorization"; Limited is read as
// "visible to registered users".
func (s *Server) canViewLocked(sess *session, u *User, g *Group) bool {
	if u.SiteAdmin || !strings.EqualFold(g.Visibility, VisibilityPrivate) {
		return true
	}
	_, member := sess.groups[g.ID]
	return member
}

// handleGroup: GET /api/groups/{GroupID}[?IncludeSettings=…].
func (s *Server) handleGroup(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, caller, why := s.authenticateLocked(r, false)
	if why != "" {
		s.refuseLocked(w, why)
		return
	}
	g, ok := s.groups[r.PathValue("GroupID")]
	if !ok {
		writeFault(w, http.StatusNotFound, "NotFound", "Group not found")
		return
	}
	if !s.canViewLocked(sess, caller, g) {
		s.forbidLocked(w)
		return
	}
	count := 0
	for _, m := range s.members[g.ID] {
		if m.state == StateApproved {
			count++
		}
	}
	out := groupJSON{
		GroupID: g.ID, Name: g.Name, Description: g.Description, Visibility: g.Visibility,
		AvatarURL: s.avatarURL(r, g), ResourceType: "group", MemberCount: count, CreatedBy: g.CreatedBy,
	}
	if !g.Created.IsZero() {
		out.Created = g.Created.UTC().Format("2006-01-02T15:04:05Z07:00")
	}
	writeJSON(w, r, out)
}

// handleGroupAvatar and handleUserAvatar serve default avatars: an SVG
// with the initials of the name. Like the platform's, they need no session
// (browsers load them in <img>).
func (s *Server) handleGroupAvatar(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	g, ok := s.groups[r.PathValue("GroupID")]
	name := ""
	if ok {
		name = g.Name
	}
	s.mu.Unlock()
	writeAvatar(w, name, ok)
}

func (s *Server) handleUserAvatar(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u, ok := s.users[r.PathValue("UserID")]
	name := ""
	if ok {
		name = u.Name
	}
	s.mu.Unlock()
	writeAvatar(w, name, ok)
}

func writeAvatar(w http.ResponseWriter, name string, found bool) {
	if !found {
		writeFault(w, http.StatusNotFound, "NotFound", "Resource not found")
		return
	}
	var initials []rune
	for _, word := range strings.Fields(name) {
		if len(initials) < 2 {
			initials = append(initials, []rune(strings.ToUpper(word))[0])
		}
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#2b6cb0"/><text x="32" y="40" font-size="24" text-anchor="middle" fill="#fff" font-family="sans-serif">%s</text></svg>`, xmlEscape(string(initials)))
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// handleRemoveMember: DELETE /api/groups/{GroupID}/members/{UserID}[?Comment=…].
//
// The documentation requires Modify permission on the group ("for example,
// a group leader"); the rule taken: site admins and group admins may remove
// anyone, leaders may remove members and themselves but not other leaders
// or admins (the portal refuses non-admins removing a leader), plain
// members may remove no one, themselves included. The caller's role is read
// from the session's embedded groups, as the platform's token carries them.
// The membership is left in the removed state; what happens to a group
// whose last leader leaves is not documented, and nothing does. The answer
// is text/plain with the removed user's id.
func (s *Server) handleRemoveMember(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, caller, why := s.authenticateLocked(r, true)
	if why != "" {
		s.refuseLocked(w, why)
		return
	}
	gid, uid := r.PathValue("GroupID"), r.PathValue("UserID")
	if _, ok := s.groups[gid]; !ok {
		writeFault(w, http.StatusNotFound, "NotFound", "Group not found")
		return
	}
	target, ok := s.members[gid][uid]
	if !ok || target.state == StateRemoved {
		writeFault(w, http.StatusNotFound, "NotFound", "The user is not a member of the group")
		return
	}
	callerRole := sess.groups[gid]
	allowed := caller.SiteAdmin || callerRole == RoleAdmin ||
		(callerRole == RoleLeader && (uid == caller.ID || target.role == RoleMember))
	if !allowed {
		s.forbidLocked(w)
		return
	}
	target.state = StateRemoved
	s.stats.Removals++
	writeText(w, http.StatusOK, uid)
}

// baseURL is the scheme and host the request reached, for the absolute
// URLs the platform puts in its answers.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
