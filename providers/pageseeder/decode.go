package pageseeder

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/jsonscan"
)

// flexString accepts a JSON string or number: PageSeeder's JSON output has
// native numbers for ids, while older servers and its XML have strings.
type flexString string

// UnmarshalJSON accepts a string, a number or null. A string without
// escapes and a number are taken as they are spelled, which is what
// json.Unmarshal would give; other strings are left to it. The decoder calls
// this for every id, so the common cases avoid a nested json.Unmarshal,
// which would validate and scan the value again and allocate a decoder.
func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		if s, ok := jsonscan.PlainString(b); ok {
			*f = flexString(s)
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	case jsonscan.ValidNumber(b):
		// A valid number is its own json.Number.
		*f = flexString(b)
		return nil
	}
	return errors.New("want a string or a number")
}

// flexBool accepts a JSON boolean or the strings "true" and "false" (the XML
// form some servers keep in JSON).
type flexBool bool

// UnmarshalJSON accepts true, false, "true", "false" or null.
func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch strings.Trim(string(bytes.TrimSpace(b)), `"`) {
	case "true":
		*f = true
	case "false", "null", "":
		*f = false
	default:
		return errors.New("want a boolean")
	}
	return nil
}

// optBool is a flag that may be unknown: true and false (or "true" and
// "false") are known; null, a blank or any other value leaves it unknown, so
// that a flag PageSeeder did not send is never reported as false.
type optBool struct{ known, v bool }

// UnmarshalJSON accepts any value; only a boolean makes the flag known.
func (o *optBool) UnmarshalJSON(b []byte) error {
	switch strings.Trim(string(bytes.TrimSpace(b)), `"`) {
	case "true":
		*o = optBool{known: true, v: true}
	case "false":
		*o = optBool{known: true}
	default:
		*o = optBool{}
	}
	return nil
}

// ptr is the flag, nil when unknown.
func (o optBool) ptr() *bool {
	if !o.known {
		return nil
	}
	v := o.v
	return &v
}

// wireMember is a <member> element in its JSON form.
type wireMember struct {
	ID        flexString `json:"id"`
	Firstname string     `json:"firstname"`
	Surname   string     `json:"surname"`
	Username  string     `json:"username"`
	Email     string     `json:"email"`
	Status    string     `json:"status"`
	Fullname  string     `json:"fullname"`
}

// wireSelf is GET /self. By PageSeeder's JSON rule the root <member>'s
// attributes are the object's own members; a {"member":{…}} wrapping is
// accepted too.
type wireSelf struct {
	wireMember
	Member *wireMember `json:"member"`
}

func (s *wireSelf) member() wireMember {
	if s.Member != nil {
		return *s.Member
	}
	return s.wireMember
}

// wireGroup is a <group> or <project> element, basic or extended. In JSON the
// element name becomes "type".
type wireGroup struct {
	ID            flexString `json:"id"`
	Name          string     `json:"name"`
	Type          string     `json:"type"`
	Title         string     `json:"title"`
	Description   string     `json:"description"`
	Owner         string     `json:"owner"`
	Access        string     `json:"access"`
	Common        optBool    `json:"common"`
	RelatedURL    string     `json:"relatedurl"`
	Subgroups     string     `json:"subgroups"`
	Visibility    string     `json:"visibility"`
	Template      string     `json:"template"`
	EditURLs      optBool    `json:"editurls"`
	Commenting    string     `json:"commenting"`
	Moderation    string     `json:"moderation"`
	Registration  string     `json:"registration"`
	DefaultRole   string     `json:"defaultrole"`
	DefaultNotify string     `json:"defaultnotify"`
	IndexVersion  flexString `json:"indexversion"`
	DetailsType   string     `json:"detailstype"`
	Message       string     `json:"message"`
}

// wireGroupDoc is GET /groups/{group}: the root <group>'s members directly,
// or wrapped as {"group":{…}} (or "project").
type wireGroupDoc struct {
	wireGroup
	Group   *wireGroup `json:"group"`
	Project *wireGroup `json:"project"`
}

func (d *wireGroupDoc) group() wireGroup {
	switch {
	case d.Group != nil:
		return *d.Group
	case d.Project != nil:
		g := *d.Project
		if g.Type == "" {
			g.Type = "project"
		}
		return g
	}
	return d.wireGroup
}

// wireVisibleGroups is GET /members/{member}/visiblegroups.
type wireVisibleGroups struct {
	Groups []wireGroup `json:"groups"`
}

// wireMembership is a <membership> element. Hyphenated XML attributes are
// camelCased in current JSON output (emailListed) and kept in older output
// (email-listed); both are read.
type wireMembership struct {
	ID                flexString  `json:"id"`
	EmailListed       *flexBool   `json:"emailListed"`
	EmailListedHyphen *flexBool   `json:"email-listed"`
	Notification      string      `json:"notification"`
	Status            string      `json:"status"`
	Role              string      `json:"role"`
	Created           string      `json:"created"`
	Subgroups         string      `json:"subgroups"`
	Deleted           flexBool    `json:"deleted"`
	Override          string      `json:"override"`
	Flags             string      `json:"flags"`
	Group             *wireGroup  `json:"group"`
	Project           *wireGroup  `json:"project"`
	Member            *wireMember `json:"member"`
}

// emailListed reads whichever spelling the server sent.
func (m *wireMembership) emailListed() bool {
	switch {
	case m.EmailListed != nil:
		return bool(*m.EmailListed)
	case m.EmailListedHyphen != nil:
		return bool(*m.EmailListedHyphen)
	}
	return false
}

// group is the membership's group or project.
func (m *wireMembership) group() (wireGroup, bool) {
	switch {
	case m.Group != nil:
		return *m.Group, true
	case m.Project != nil:
		g := *m.Project
		if g.Type == "" {
			g.Type = "project"
		}
		return g, true
	}
	return wireGroup{}, false
}

// wireMembershipDoc is GET /groups/{group}/members/{member} and the
// deregister answer: the root <membership>'s members directly, or wrapped.
type wireMembershipDoc struct {
	wireMembership
	Membership *wireMembership `json:"membership"`
}

func (d *wireMembershipDoc) membership() wireMembership {
	if d.Membership != nil {
		return *d.Membership
	}
	return d.wireMembership
}

// wireMemberships is GET /self/memberships (and /members/{member}/memberships).
type wireMemberships struct {
	Member      *wireMember      `json:"member"`
	Memberships []wireMembership `json:"memberships"`
}

// toUser converts a member.
func (m wireMember) toUser() providers.User {
	name := m.Fullname
	if name == "" {
		name = strings.TrimSpace(m.Firstname + " " + m.Surname)
	}
	return providers.User{Provider: providers.PageSeeder, ID: string(m.ID), Username: m.Username, Name: name}
}

// toGroup converts a group. complete says whether g is the extended
// representation (group details, visible groups) rather than the basic one
// of a memberships list.
func (g wireGroup) toGroup(complete bool) providers.Group {
	typ := g.Type
	if typ == "" {
		typ = "group"
	}
	out := providers.Group{
		Provider:   providers.PageSeeder,
		ID:         string(g.ID),
		Name:       g.Name,
		Complete:   complete,
		Visibility: visibility(g.Visibility),
		JoinPolicy: joinPolicy(g.Registration),
		Details: &providers.PageSeederDetails{
			Type:          typ,
			Owner:         g.Owner,
			Title:         g.Title,
			Access:        g.Access,
			Common:        g.Common.ptr(),
			VisibleTo:     g.Visibility,
			Template:      g.Template,
			EditURLs:      g.EditURLs.ptr(),
			Commenting:    g.Commenting,
			Moderation:    g.Moderation,
			Registration:  g.Registration,
			DefaultRole:   g.DefaultRole,
			DefaultNotify: g.DefaultNotify,
			IndexVersion:  string(g.IndexVersion),
			DetailsType:   g.DetailsType,
			RelatedURL:    g.RelatedURL,
			Message:       g.Message,
		},
	}
	if g.Description != "" || complete {
		d := g.Description
		out.Description = &d
	}
	// PageSeeder's owner is an organisation name, not a member, so OwnerID
	// stays nil; it is kept as PageSeederDetails.Owner.
	return out
}

// visibility maps the "Group visible to" setting: "public", or the name of
// the group whose members may see this one.
func visibility(v string) providers.Visibility {
	switch v {
	case "":
		return providers.VisibilityUnknown
	case "public":
		return providers.VisibilityPublic
	}
	return providers.VisibilityRestricted
}

// joinPolicy maps the registration setting: normal and confirmed (an e-mail
// confirmation) let anyone who sees the group join; moderated needs a
// manager's approval.
func joinPolicy(r string) providers.JoinPolicy {
	switch r {
	case "normal", "confirmed":
		return providers.JoinOpen
	case "moderated":
		return providers.JoinModerated
	}
	return providers.JoinUnknown
}

// role maps PageSeeder's roles. Unknown roles count as MEMBER: the least
// privilege that still describes someone with a membership.
func role(r string) providers.Role {
	switch r {
	case "manager":
		return providers.RoleAdmin
	case "moderator", "approver", "moderator-and-approver":
		return providers.RoleModerator
	}
	return providers.RoleMember // guest, reviewer, contributor, and unknown roles
}

// status maps PageSeeder's membership statuses. "unknown" and unrecognised
// values count as ACTIVE: PageSeeder lists them as memberships in force.
func status(s string) providers.Status {
	switch s {
	case "invited", "self-invited":
		return providers.StatusInvited
	case "moderated":
		return providers.StatusPending
	case "disabled":
		return providers.StatusRemoved
	}
	return providers.StatusActive
}

// former reports a membership that has ended: PageSeeder keeps a
// deregistered member's membership as status disabled, deleted=true.
func (m *wireMembership) former() bool {
	return bool(m.Deleted) || m.Status == "disabled"
}

// inherited reports a membership acquired through a subgroup: it has no id
// ("ensure that your code can cope without an ID") and names the subgroups.
func (m *wireMembership) inherited() bool {
	return m.ID == "" || m.Subgroups != ""
}

// toMembership converts a membership of userID. ok is false when it names no
// usable group.
func (m wireMembership) toMembership(userID string) (providers.Membership, bool) {
	g, ok := m.group()
	if !ok || g.ID == "" {
		return providers.Membership{}, false
	}
	if m.Member != nil && m.Member.ID != "" {
		userID = string(m.Member.ID)
	}
	inherited := m.inherited()
	from := m.Subgroups
	if from == "" && inherited {
		from = g.Subgroups
	}
	out := providers.Membership{
		Provider:       providers.PageSeeder,
		UserID:         userID,
		Group:          g.toGroup(false),
		Role:           role(m.Role),
		ProviderRole:   m.Role,
		Status:         status(m.Status),
		ProviderStatus: m.Status,
		Inherited:      inherited,
		InheritedFrom:  from,
		Leavable:       !inherited && !m.former(),
	}
	if !inherited {
		out.ID = string(m.ID)
	}
	if t, err := time.Parse(time.RFC3339, m.Created); err == nil {
		out.JoinedAt = &t
	}
	return out, true
}

// numericID reports whether id is a PageSeeder numeric id. The client only
// addresses groups by the ids it returned, so anything else is malformed.
func numericID(id string) bool {
	if id == "" || len(id) > 19 {
		return false
	}
	_, err := strconv.ParseUint(id, 10, 64)
	return err == nil
}
