package pageseedertest

import "encoding/xml"

// The XML and JSON forms of PageSeeder's elements. JSON follows PageSeeder's
// rule: a root element's attributes and children become the object's
// members, repeated children become an array under their plural name, the
// element name of a group becomes "type", hyphenated attributes are
// camelCased, and ids, numbers and booleans are native.

type xmlError struct {
	XMLName xml.Name `xml:"error"`
	ID      string   `xml:"id,attr,omitempty"`
	Request string   `xml:"request"`
	Message string   `xml:"message"`
}

type xmlMember struct {
	XMLName   xml.Name `xml:"member"`
	ID        int64    `xml:"id,attr"`
	Firstname string   `xml:"firstname,attr"`
	Surname   string   `xml:"surname,attr"`
	Username  string   `xml:"username,attr"`
	Email     string   `xml:"email,attr,omitempty"`
	Status    string   `xml:"status,attr"`
	Fullname  string   `xml:"fullname"`
}

type jsonMember struct {
	ID        int64  `json:"id"`
	Firstname string `json:"firstname"`
	Surname   string `json:"surname"`
	Username  string `json:"username"`
	Email     string `json:"email,omitempty"`
	Status    string `json:"status"`
	Fullname  string `json:"fullname"`
}

func toXMLMember(m *Member) *xmlMember {
	if m == nil {
		return nil
	}
	return &xmlMember{ID: m.ID, Firstname: m.Firstname, Surname: m.Surname, Username: m.Username, Email: m.Email, Status: "activated", Fullname: m.Firstname + " " + m.Surname}
}

func toJSONMember(m *Member) *jsonMember {
	if m == nil {
		return nil
	}
	return &jsonMember{ID: m.ID, Firstname: m.Firstname, Surname: m.Surname, Username: m.Username, Email: m.Email, Status: "activated", Fullname: m.Firstname + " " + m.Surname}
}

// xmlGroup is <group> or <project> (XMLName is set per group). The extended
// attributes are omitted in the basic representation.
type xmlGroup struct {
	XMLName       xml.Name
	ID            int64  `xml:"id,attr"`
	Name          string `xml:"name,attr"`
	Title         string `xml:"title,attr,omitempty"`
	Description   string `xml:"description,attr"`
	Owner         string `xml:"owner,attr"`
	Access        string `xml:"access,attr"`
	Common        bool   `xml:"common,attr"`
	RelatedURL    string `xml:"relatedurl,attr,omitempty"`
	Visibility    string `xml:"visibility,attr,omitempty"`
	Template      string `xml:"template,attr,omitempty"`
	EditURLs      *bool  `xml:"editurls,attr,omitempty"`
	Commenting    string `xml:"commenting,attr,omitempty"`
	Moderation    string `xml:"moderation,attr,omitempty"`
	Registration  string `xml:"registration,attr,omitempty"`
	DefaultRole   string `xml:"defaultrole,attr,omitempty"`
	DefaultNotify string `xml:"defaultnotify,attr,omitempty"`
	IndexVersion  int64  `xml:"indexversion,attr,omitempty"`
	DetailsType   string `xml:"detailstype,attr,omitempty"`
	Message       string `xml:"message,omitempty"`
}

type jsonGroup struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description"`
	Owner       string `json:"owner"`
	Access      string `json:"access"`
	Common      bool   `json:"common"`
	RelatedURL  string `json:"relatedurl,omitempty"`
	*jsonExtended
}

// jsonExtended are the extended representation's members.
type jsonExtended struct {
	Visibility    string `json:"visibility"`
	Template      string `json:"template"`
	EditURLs      bool   `json:"editurls"`
	Commenting    string `json:"commenting"`
	Moderation    string `json:"moderation"`
	Registration  string `json:"registration"`
	DefaultRole   string `json:"defaultrole"`
	DefaultNotify string `json:"defaultnotify"`
	IndexVersion  int64  `json:"indexversion"`
	DetailsType   string `json:"detailstype,omitempty"`
	Message       string `json:"message"`
}

func toXMLGroup(g *Group, extended bool) *xmlGroup {
	x := &xmlGroup{
		XMLName: xml.Name{Local: g.Type},
		ID:      g.ID, Name: g.Name, Title: g.Title, Description: g.Description,
		Owner: g.Owner, Access: g.Access, Common: g.Common, RelatedURL: g.RelatedURL,
	}
	if extended {
		editURLs := g.EditURLs
		x.Visibility, x.Template, x.EditURLs = g.VisibleTo, g.Template, &editURLs
		x.Commenting, x.Moderation, x.Registration = g.Commenting, g.Moderation, g.Registration
		x.DefaultRole, x.DefaultNotify, x.IndexVersion = g.DefaultRole, g.DefaultNotify, g.IndexVersion
		x.DetailsType, x.Message = g.DetailsType, g.Message
	}
	return x
}

func toJSONGroup(g *Group, extended bool) jsonGroup {
	j := jsonGroup{
		ID: g.ID, Name: g.Name, Type: g.Type, Title: g.Title, Description: g.Description,
		Owner: g.Owner, Access: g.Access, Common: g.Common, RelatedURL: g.RelatedURL,
	}
	if extended {
		j.jsonExtended = &jsonExtended{
			Visibility: g.VisibleTo, Template: g.Template, EditURLs: g.EditURLs,
			Commenting: g.Commenting, Moderation: g.Moderation, Registration: g.Registration,
			DefaultRole: g.DefaultRole, DefaultNotify: g.DefaultNotify, IndexVersion: g.IndexVersion,
			DetailsType: g.DetailsType, Message: g.Message,
		}
	}
	return j
}

type xmlGroups struct {
	XMLName xml.Name `xml:"groups"`
	Groups  []*xmlGroup
}

type jsonGroups struct {
	Groups []jsonGroup `json:"groups"`
}

// xmlMembership is <membership>. Inherited memberships have no id and name
// their subgroups.
type xmlMembership struct {
	XMLName      xml.Name   `xml:"membership"`
	ID           int64      `xml:"id,attr,omitempty"`
	EmailListed  bool       `xml:"email-listed,attr"`
	Notification string     `xml:"notification,attr"`
	Status       string     `xml:"status,attr"`
	Role         string     `xml:"role,attr"`
	Created      string     `xml:"created,attr,omitempty"`
	Deleted      bool       `xml:"deleted,attr,omitempty"`
	Subgroups    string     `xml:"subgroups,attr,omitempty"`
	Member       *xmlMember `xml:"member,omitempty"`
	Group        *xmlGroup
}

type jsonMembership struct {
	ID             int64       `json:"id,omitempty"`
	EmailListed    *bool       `json:"emailListed,omitempty"`
	EmailListedOld *bool       `json:"email-listed,omitempty"`
	Notification   string      `json:"notification"`
	Status         string      `json:"status"`
	Role           string      `json:"role"`
	Created        string      `json:"created,omitempty"`
	Deleted        bool        `json:"deleted,omitempty"`
	Subgroups      string      `json:"subgroups,omitempty"`
	Member         *jsonMember `json:"member,omitempty"`
	Group          jsonGroup   `json:"group"`
}

// toXMLMembership renders d of g; member is included when non-nil;
// subgroups is set for inherited memberships (which lose their id).
func toXMLMembership(d *Membership, g *Group, member *Member, subgroups string, extended bool) *xmlMembership {
	x := &xmlMembership{
		EmailListed: d.EmailListed, Notification: d.Notification, Status: d.Status, Role: d.Role,
		Created: formatTime(d.Created), Deleted: d.Deleted, Subgroups: subgroups,
		Member: toXMLMember(member), Group: toXMLGroup(g, extended),
	}
	if subgroups == "" {
		x.ID = d.ID
	}
	return x
}

func (s *Server) toJSONMembership(d *Membership, g *Group, member *Member, subgroups string, extended bool) jsonMembership {
	listed := d.EmailListed
	j := jsonMembership{
		Notification: d.Notification, Status: d.Status, Role: d.Role,
		Created: formatTime(d.Created), Deleted: d.Deleted, Subgroups: subgroups,
		Member: toJSONMember(member), Group: toJSONGroup(g, extended),
	}
	if s.hyphenJSON {
		j.EmailListedOld = &listed
	} else {
		j.EmailListed = &listed
	}
	if subgroups == "" {
		j.ID = d.ID
	}
	return j
}

type xmlMemberships struct {
	XMLName     xml.Name `xml:"memberships"`
	Member      *xmlMember
	Memberships []*xmlMembership
}

type jsonMemberships struct {
	Member      *jsonMember      `json:"member,omitempty"`
	Memberships []jsonMembership `json:"memberships"`
}
