package pageseedertest

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// servicePrefix is where the services live: PageSeeder's default site
// prefix /ps followed by /service.
const servicePrefix = "/ps/service/"

// route dispatches a request to the OAuth endpoints or a service.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path})
	s.mu.Unlock()

	switch r.URL.Path {
	case "/ps/oauth/token":
		s.token(w, r)
		return
	case "/ps/oauth/authorize":
		s.authorize(w, r)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, servicePrefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	rest = strings.TrimSuffix(rest, ".json")
	caller, ok := s.bearer(w, r)
	if !ok {
		return
	}
	seg := strings.Split(rest, "/")
	switch {
	case len(seg) == 1 && seg[0] == "self":
		if s.method(w, r, http.MethodGet) {
			s.self(w, r, caller)
		}
	case len(seg) == 2 && seg[0] == "self" && seg[1] == "memberships":
		if s.method(w, r, http.MethodGet) {
			s.listMemberships(w, r, caller, caller)
		}
	case len(seg) == 3 && seg[0] == "members" && (seg[2] == "memberships" || seg[2] == "visiblegroups"):
		if !s.method(w, r, http.MethodGet) {
			return
		}
		member, found := s.resolveMember(seg[1])
		if !found {
			if seg[2] == "visiblegroups" {
				s.writeError(w, r, http.StatusBadRequest, "102A", "The member not found")
			} else {
				s.writeError(w, r, http.StatusBadRequest, "0204", "Failed @Requires check: missing Member instance")
			}
			return
		}
		if !s.permitted(w, r, caller, member) {
			return
		}
		if seg[2] == "memberships" {
			s.listMemberships(w, r, caller, member)
		} else {
			s.visible(w, r, member)
		}
	case len(seg) == 2 && seg[0] == "groups":
		if s.method(w, r, http.MethodGet) {
			s.groupDetails(w, r, caller, seg[1])
		}
	case len(seg) == 4 && seg[0] == "groups" && seg[2] == "members":
		if s.method(w, r, http.MethodGet) {
			s.membership(w, r, caller, seg[1], seg[3])
		}
	case len(seg) == 5 && seg[0] == "groups" && seg[2] == "members" && seg[4] == "deregister":
		if s.method(w, r, http.MethodPost) {
			s.deregister(w, r, caller, seg[1], seg[3])
		}
	default:
		http.NotFound(w, r)
	}
}

// method answers 0x0103 (bad tunnel) when the request used another method.
func (s *Server) method(w http.ResponseWriter, r *http.Request, want string) bool {
	if r.Method == want {
		return true
	}
	s.writeError(w, r, http.StatusBadRequest, "0103", "Unable to tunnel request through specified HTTP method")
	return false
}

// permitted enforces "the member or an administrator can invoke this
// service". PageSeeder documents no id for the refusal; the status says it.
func (s *Server) permitted(w http.ResponseWriter, r *http.Request, caller, member int64) bool {
	s.mu.Lock()
	m := s.members[caller]
	s.mu.Unlock()
	if caller == member || (m != nil && m.Admin) {
		return true
	}
	s.writeError(w, r, http.StatusForbidden, "", "Access denied: only the member or an administrator can invoke this service")
	return false
}

// resolveMember reads a {member} path variable: a numeric id or ~username.
func (s *Server) resolveMember(v string) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name, ok := strings.CutPrefix(v, "~"); ok {
		for _, m := range s.members {
			if m.Username == name {
				return m.ID, true
			}
		}
		return 0, false
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, false
	}
	_, ok := s.members[id]
	return id, ok
}

// resolveGroup reads a {group} path variable: a numeric id or ~name.
// Callers hold s.mu.
func (s *Server) resolveGroup(v string) *Group {
	if name, ok := strings.CutPrefix(v, "~"); ok {
		return s.groupByName(name)
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil
	}
	return s.groups[id]
}

// self serves GET /self.
func (s *Server) self(w http.ResponseWriter, r *http.Request, caller int64) {
	s.mu.Lock()
	m := s.members[caller]
	s.mu.Unlock()
	if m == nil {
		s.writeError(w, r, http.StatusBadRequest, "0204", "Failed @Requires check: missing Member instance")
		return
	}
	s.write(w, r, toJSONMember(m), toXMLMember(m))
}

// listMemberships serves GET /self/memberships and
// /members/{member}/memberships: direct memberships (former ones included,
// marked deleted) and, unless subgroups=false, those inherited through a
// subgroup, which carry no id.
func (s *Server) listMemberships(w http.ResponseWriter, r *http.Request, caller, member int64) {
	subgroups := r.URL.Query().Get("subgroups") != "false"
	s.mu.Lock()
	m := s.members[member]
	jdoc := jsonMemberships{Member: toJSONMember(m), Memberships: []jsonMembership{}}
	xdoc := xmlMemberships{Member: toXMLMember(m)}
	for _, g := range s.sortedGroups() {
		if d := s.direct(g.ID, member); d != nil {
			jdoc.Memberships = append(jdoc.Memberships, s.toJSONMembership(d, g, nil, "", false))
			xdoc.Memberships = append(xdoc.Memberships, toXMLMembership(d, g, nil, "", false))
			if !d.former() {
				continue
			}
		}
		if !subgroups {
			continue
		}
		if sg, ok := s.inherited(g, member); ok {
			inh := &Membership{GroupID: g.ID, MemberID: member, Role: sg.Role, Status: "normal", Notification: "none", EmailListed: true}
			jdoc.Memberships = append(jdoc.Memberships, s.toJSONMembership(inh, g, nil, sg.Group, false))
			xdoc.Memberships = append(xdoc.Memberships, toXMLMembership(inh, g, nil, sg.Group, false))
		}
	}
	s.mu.Unlock()
	s.write(w, r, jdoc, xdoc)
}

// visible serves GET /members/{member}/visiblegroups: the extended
// representation of every visible group; <groups/> when there are none.
func (s *Server) visible(w http.ResponseWriter, r *http.Request, member int64) {
	s.mu.Lock()
	gs := s.visibleGroups(member)
	jdoc := jsonGroups{Groups: []jsonGroup{}}
	var xdoc xmlGroups
	for _, g := range gs {
		jdoc.Groups = append(jdoc.Groups, toJSONGroup(g, true))
		xdoc.Groups = append(xdoc.Groups, toXMLGroup(g, true))
	}
	s.mu.Unlock()
	s.write(w, r, jdoc, xdoc)
}

// groupDetails serves GET /groups/{group} (extended representation) to
// administrators, the group's members and members who can see it; others
// are refused as PageSeeder refuses a group one may not access.
func (s *Server) groupDetails(w http.ResponseWriter, r *http.Request, caller int64, gv string) {
	s.mu.Lock()
	g := s.resolveGroup(gv)
	if g == nil {
		s.mu.Unlock()
		s.writeError(w, r, http.StatusBadRequest, "0202", "Failed @Requires check: missing Group instance")
		return
	}
	allowed := s.isAdmin(caller) || s.belongs(g, caller)
	if !allowed {
		for _, vg := range s.visibleGroups(caller) {
			allowed = allowed || vg.ID == g.ID
		}
	}
	j, x := toJSONGroup(g, true), toXMLGroup(g, true)
	s.mu.Unlock()
	if !allowed {
		s.writeError(w, r, http.StatusForbidden, "", "Access denied to this group")
		return
	}
	s.write(w, r, j, x)
}

// isAdmin reports whether member is an administrator. Callers hold s.mu.
func (s *Server) isAdmin(member int64) bool {
	m := s.members[member]
	return m != nil && m.Admin
}

// membership serves GET /groups/{group}/members/{member}: the direct
// membership in force, else (subgroups=true, the default) one inherited
// through a subgroup, else a former membership; 0x1022 when there is none.
func (s *Server) membership(w http.ResponseWriter, r *http.Request, caller int64, gv, mv string) {
	subgroups := r.URL.Query().Get("subgroups") != "false"
	s.mu.Lock()
	g := s.resolveGroup(gv)
	s.mu.Unlock()
	if g == nil {
		s.writeError(w, r, http.StatusBadRequest, "0107", "Unable to find matching group")
		return
	}
	member, ok := s.resolveMember(mv)
	if !ok {
		s.writeError(w, r, http.StatusBadRequest, "0106", "Unable to find matching member")
		return
	}
	if !s.permitted(w, r, caller, member) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.members[member]
	d := s.direct(g.ID, member)
	if d != nil && !d.former() {
		s.write(w, r, s.toJSONMembership(d, g, m, "", false), toXMLMembership(d, g, m, "", false))
		return
	}
	if sg, ok := s.inherited(g, member); ok && subgroups {
		inh := &Membership{GroupID: g.ID, MemberID: member, Role: sg.Role, Status: "normal", Notification: "none", EmailListed: true}
		s.write(w, r, s.toJSONMembership(inh, g, m, sg.Group, false), toXMLMembership(inh, g, m, sg.Group, false))
		return
	}
	if d != nil {
		s.write(w, r, s.toJSONMembership(d, g, m, "", false), toXMLMembership(d, g, m, "", false))
		return
	}
	s.writeError(w, r, http.StatusBadRequest, "1022", "The member does not belong to the group")
}

// deregister serves POST /groups/{group}/members/{member}/deregister: the
// member (or an administrator) ends a direct membership, which stays behind
// as a former membership (status disabled, deleted). The answer is the
// updated membership: the documented page's response section is missing,
// and this is the reading the simulator picks. A membership inherited
// through a subgroup is no direct membership, so it is 0x1022 like none; the
// group is never deleted, even when its last member leaves.
func (s *Server) deregister(w http.ResponseWriter, r *http.Request, caller int64, gv, mv string) {
	s.mu.Lock()
	g := s.resolveGroup(gv)
	s.mu.Unlock()
	if g == nil {
		s.writeError(w, r, http.StatusBadRequest, "0202", "Failed @Requires check: missing Group instance")
		return
	}
	member, ok := s.resolveMember(mv)
	if !ok {
		s.writeError(w, r, http.StatusBadRequest, "0204", "Failed @Requires check: missing Member instance")
		return
	}
	if !s.permitted(w, r, caller, member) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.direct(g.ID, member)
	if d == nil || d.former() {
		s.writeError(w, r, http.StatusBadRequest, "1022", "The member does not belong to the group")
		return
	}
	d.Status, d.Deleted = "disabled", true
	m := s.members[member]
	s.write(w, r, s.toJSONMembership(d, g, m, "", true), toXMLMembership(d, g, m, "", true))
}

// wantsJSON reports whether the request asked for JSON, by the .json suffix
// or the Accept header.
func wantsJSON(r *http.Request) bool {
	return strings.HasSuffix(r.URL.Path, ".json") || strings.Contains(r.Header.Get("Accept"), "application/json")
}

// write answers 200 with j or x, as the request asked.
func (s *Server) write(w http.ResponseWriter, r *http.Request, j, x any) {
	if wantsJSON(r) {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		_ = json.NewEncoder(w).Encode(j)
		return
	}
	w.Header().Set("Content-Type", "application/xml;charset=utf-8")
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(x)
}

// writeError answers the error envelope. id is written as PageSeeder does,
// without 0x; empty omits it.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, status int, id, msg string) {
	if s.jsonErrors && wantsJSON(r) {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(status)
		body := map[string]string{"request": r.URL.Path, "message": msg}
		if id != "" {
			body["id"] = id
		}
		_ = json.NewEncoder(w).Encode(body)
		return
	}
	w.Header().Set("Content-Type", "application/xml;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(xmlError{ID: id, Request: r.URL.Path, Message: msg})
}

// xmlEscape escapes text for an XML element.
func xmlEscape(v string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(v))
	return b.String()
}

// formatTime writes an xs:dateTime.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}
