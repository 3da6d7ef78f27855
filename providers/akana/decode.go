package akana

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/jsonscan"
)

// The category domains of the platform's RSS channels. Items carry their
// categories as {value, domain} pairs in no guaranteed order (one of the
// platform's own widgets wrongly reads category[0]), so they are always
// selected by domain.
const (
	DomainResourceType = "uddi:soa.com:resourcetype"
	DomainVisibility   = "uddi:soa.com:visibility"
	DomainStatus       = "uddi:soa.com:status"
	DomainRole         = "uddi:soa.com:role"
)

// The prefixes of the role and state values ("com.soa.group.membership.role.member").
const (
	rolePrefix  = "com.soa.group.membership.role."
	statePrefix = "com.soa.group.membership.state."
)

// channel is an RSS channel in the platform's JSON rendering:
//
//	{"channel": {"title": "My Groups", "item": [ … ]}, "version": "1.0"}
type channel struct {
	Channel channelBody `json:"channel"`
	Version string      `json:"version"`
	// A fault can come back with a 200 on some deployments; it is checked
	// before the channel is trusted.
	FaultCode   string `json:"faultcode"`
	FaultString string `json:"faultstring"`
}

type channelBody struct {
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Items       oneOrMany[item] `json:"item"`
}

// item is one entry of a channel: a group in the user's groups feed.
type item struct {
	Title       string              `json:"title"`
	Description string              `json:"description"`
	Category    oneOrMany[category] `json:"category"`
	GUID        guid                `json:"guid"`
	PubDate     string              `json:"pubDate"`
	Image       itemImage           `json:"Image"`
}

type itemImage struct {
	URL  string `json:"Url"`
	Link string `json:"Link"`
}

type category struct {
	Value  string `json:"value"`
	Domain string `json:"domain"`
}

// guid is {"value": "group19212.acmepaymentscorp"}; a bare string is taken
// too, as RSS itself allows it.
type guid struct{ Value string }

// UnmarshalJSON takes {"value": …} or a bare string.
func (g *guid) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte(`"`)) {
		return json.Unmarshal(b, &g.Value)
	}
	var v struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	g.Value = v.Value
	return nil
}

// oneOrMany decodes a JSON array, or a single object where an XML-to-JSON
// rendering collapsed a one-element list, or null.
type oneOrMany[T any] []T

// UnmarshalJSON takes an array, a single value or null.
func (o *oneOrMany[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*o = nil
		return nil
	case bytes.HasPrefix(b, []byte("[")):
		var many []T
		if err := json.Unmarshal(b, &many); err != nil {
			return err
		}
		*o = many
		return nil
	default:
		var one T
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*o = []T{one}
		return nil
	}
}

// fault is the platform's JSON error body.
type fault struct {
	Code   string `json:"faultcode"`
	String string `json:"faultstring"`
}

func decodeFault(body []byte) (fault, error) {
	var f fault
	err := json.Unmarshal(body, &f)
	return f, err
}

// groupDetails is the body of GET /api/groups/{GroupID}.
//
// The platform's documentation does not show this object's field names. The
// reading chosen here is PascalCase, by analogy with the platform's other
// JSON objects (GroupID, Name, Description, …); the simulator serves the
// same names, and unknown fields are ignored, so a deployment that sends
// more is still read.
type groupDetails struct {
	GroupID     string `json:"GroupID"`
	Name        string `json:"Name"`
	Description string `json:"Description"`
	// Visibility is "Public", "Limited" or "Private", as in the groups feed.
	Visibility string `json:"Visibility"`
	AvatarURL  string `json:"AvatarURL"`
	// ResourceType is the kind of group (the feed's resource-type category).
	ResourceType string `json:"ResourceType"`
	// MemberCount, Created (RFC 3339) and CreatedBy (a user id) are read
	// when present.
	MemberCount optCount `json:"MemberCount"`
	Created     string   `json:"Created"`
	CreatedBy   string   `json:"CreatedBy"`
}

// optCount is a count that may be unknown: a JSON number or a numeric
// string is known; null, a blank, a negative number or anything else is
// unknown, and never makes the whole answer unreadable.
type optCount struct{ n *int }

// UnmarshalJSON accepts any value.
func (c *optCount) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	c.n = nil
	if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n >= 0 {
		c.n = &n
	}
	return nil
}

// userDetails is the body of GET /api/users/{UserID}; the same PascalCase
// reading as groupDetails.
type userDetails struct {
	UserID    string `json:"UserID"`
	Name      string `json:"Name"`
	UserName  string `json:"UserName"`
	AvatarURL string `json:"AvatarURL"`
}

// loginResponse is the JSON body of POST /api/login and
// POST /api/login/renewToken.
type loginResponse struct {
	UserName            string          `json:"userName"`
	Status              string          `json:"status"`
	AvatarURL           string          `json:"avatarURL"`
	UserFDN             string          `json:"userFDN"`
	LoginState          string          `json:"loginState"`
	AuthTokenValidUntil json.RawMessage `json:"authTokenValidUntil"`
	LoginDomainID       string          `json:"loginDomainId"`
}

// validUntil reads authTokenValidUntil, whose format is not documented:
// epoch milliseconds (number or numeric string) or RFC 3339 are accepted;
// anything else is the zero time.
func (l loginResponse) validUntil() time.Time {
	raw := bytes.TrimSpace(l.AuthTokenValidUntil)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return time.Time{}
	}
	var s string
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return time.Time{}
		}
	} else {
		s = string(raw)
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && ms > 0 {
		return time.UnixMilli(ms).UTC()
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t
	}
	return time.Time{}
}

// errUndecodable marks a 2xx body that is not what the operation returns.
var errUndecodable = errors.New("undecodable response body")

// mediaType is the lower-case media type of a Content-Type header, "" when
// absent or unparsable.
func mediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return strings.ToLower(mt)
}

// isJSON reports whether a media type is one of the JSON renderings the
// platform sends: application/json, or a versioned
// application/vnd.soa.v81+json (v71, v72, v80, …) or
// application/vnd.akana.v2023+json.
func isJSON(media string) bool {
	if media == "application/json" {
		return true
	}
	return strings.HasSuffix(media, "+json") &&
		(strings.HasPrefix(media, "application/vnd.soa.") || strings.HasPrefix(media, "application/vnd.akana."))
}

// checkJSON accepts a 2xx response's content type: a JSON rendering, or
// none at all (some proxies drop it). Anything else, an HTML login page
// above all, is not the answer.
func checkJSON(contentType string) error {
	media := mediaType(contentType)
	if media == "" && contentType == "" {
		return nil
	}
	if !isJSON(media) {
		return errors.New("unexpected content type " + sanitize(media, nil))
	}
	return nil
}

// decodeChannel decodes a groups feed. The usual feed is read in one pass
// by readChannel; anything it leaves is decoded by encoding/json.
func decodeChannel(body []byte) (*channel, error) {
	c := new(channel)
	r := jsonscan.NewReader(body)
	if jsonscan.ReadObject(&r, c, channelFields) && r.End() {
		return c, nil
	}
	*c = channel{}
	if err := json.Unmarshal(body, c); err != nil {
		return nil, errUndecodable
	}
	return c, nil
}

// The one-pass readers of a groups feed. Each reads what json.Unmarshal
// would decode into a zero value of its type, or reports false, leaving
// the body to encoding/json (see jsonscan.ReadObject). Their tables name
// every field of the types, as the json tags do.

var channelFields = []jsonscan.Field[channel]{
	{Name: "channel", Read: func(r *jsonscan.Reader, c *channel) bool {
		if r.Peek() == 'n' {
			return r.Null()
		}
		return jsonscan.ReadObject(r, &c.Channel, channelBodyFields)
	}},
	{Name: "version", Read: func(r *jsonscan.Reader, c *channel) bool { return readString(r, &c.Version) }},
	{Name: "faultcode", Read: func(r *jsonscan.Reader, c *channel) bool { return readString(r, &c.FaultCode) }},
	{Name: "faultstring", Read: func(r *jsonscan.Reader, c *channel) bool { return readString(r, &c.FaultString) }},
}

var channelBodyFields = []jsonscan.Field[channelBody]{
	{Name: "title", Read: func(r *jsonscan.Reader, b *channelBody) bool { return readString(r, &b.Title) }},
	{Name: "description", Read: func(r *jsonscan.Reader, b *channelBody) bool { return readString(r, &b.Description) }},
	{Name: "item", Read: func(r *jsonscan.Reader, b *channelBody) bool { return readOneOrMany(r, &b.Items, itemFields) }},
}

var itemFields = []jsonscan.Field[item]{
	{Name: "title", Read: func(r *jsonscan.Reader, it *item) bool { return readString(r, &it.Title) }},
	{Name: "description", Read: func(r *jsonscan.Reader, it *item) bool { return readString(r, &it.Description) }},
	{Name: "category", Read: func(r *jsonscan.Reader, it *item) bool { return readOneOrMany(r, &it.Category, categoryFields) }},
	{Name: "guid", Read: func(r *jsonscan.Reader, it *item) bool { return readGUID(r, &it.GUID) }},
	{Name: "pubDate", Read: func(r *jsonscan.Reader, it *item) bool { return readString(r, &it.PubDate) }},
	{Name: "Image", Read: func(r *jsonscan.Reader, it *item) bool {
		if r.Peek() == 'n' {
			return r.Null()
		}
		return jsonscan.ReadObject(r, &it.Image, imageFields)
	}},
}

var imageFields = []jsonscan.Field[itemImage]{
	{Name: "Url", Read: func(r *jsonscan.Reader, im *itemImage) bool { return readString(r, &im.URL) }},
	{Name: "Link", Read: func(r *jsonscan.Reader, im *itemImage) bool { return readString(r, &im.Link) }},
}

var categoryFields = []jsonscan.Field[category]{
	{Name: "value", Read: func(r *jsonscan.Reader, c *category) bool { return readString(r, &c.Value) }},
	{Name: "domain", Read: func(r *jsonscan.Reader, c *category) bool { return readString(r, &c.Domain) }},
}

// guidObject is the object form of a guid.
type guidObject struct {
	Value string `json:"value"`
}

var guidFields = []jsonscan.Field[guidObject]{
	{Name: "value", Read: func(r *jsonscan.Reader, g *guidObject) bool { return readString(r, &g.Value) }},
}

// readString reads a string; null leaves it as it is.
func readString(r *jsonscan.Reader, s *string) bool {
	if r.Peek() == 'n' {
		return r.Null()
	}
	v, ok := r.String()
	*s = v
	return ok
}

// readGUID reads what guid.UnmarshalJSON accepts: a string, null or an
// object.
func readGUID(r *jsonscan.Reader, g *guid) bool {
	switch r.Peek() {
	case '"':
		return readString(r, &g.Value)
	case 'n':
		g.Value = ""
		return r.Null()
	case '{':
		var v guidObject
		ok := jsonscan.ReadObject(r, &v, guidFields)
		g.Value = v.Value
		return ok
	}
	return false
}

// readOneOrMany reads what oneOrMany[T].UnmarshalJSON accepts of objects:
// an array of them (and nulls, zero values), a single one or null.
func readOneOrMany[T any](r *jsonscan.Reader, o *oneOrMany[T], fields []jsonscan.Field[T]) bool {
	switch r.Peek() {
	case 'n':
		*o = nil
		return r.Null()
	case '{':
		v := make(oneOrMany[T], 1)
		*o = v
		return jsonscan.ReadObject(r, &v[0], fields)
	case '[':
		v := make(oneOrMany[T], 0, 4) // an item has four categories
		ok := r.Array(func() bool {
			var zero T
			v = append(v, zero)
			if r.Peek() == 'n' {
				return r.Null()
			}
			return jsonscan.ReadObject(r, &v[len(v)-1], fields)
		})
		*o = v
		return ok
	}
	return false
}

// decodeGroup decodes a group-details object.
func decodeGroup(body []byte) (*groupDetails, error) {
	var g groupDetails
	if err := json.Unmarshal(body, &g); err != nil {
		return nil, errUndecodable
	}
	return &g, nil
}

// categories is an item's category list indexed by domain. When a domain
// repeats, the first pair wins; every pair is kept, in order, in Details.
type categories struct {
	all      []providers.AkanaCategory
	byDomain map[string]string
}

func indexCategories(cs []category) categories {
	out := categories{byDomain: map[string]string{}}
	for _, c := range cs {
		out.all = append(out.all, providers.AkanaCategory{Value: c.Value, Domain: c.Domain})
		d := strings.ToLower(strings.TrimSpace(c.Domain))
		if _, seen := out.byDomain[d]; !seen {
			out.byDomain[d] = strings.TrimSpace(c.Value)
		}
	}
	return out
}

func (c categories) get(domain string) (string, bool) {
	v, ok := c.byDomain[domain]
	return v, ok
}

// suffix returns the last dot-separated word of a role or state value, in
// lower case: "com.soa.group.membership.role.leader" → "leader". A bare word
// ("leader") is taken as it is.
func suffix(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if i := strings.LastIndexByte(v, '.'); i >= 0 {
		return v[i+1:]
	}
	return v
}

// Role maps an Akana membership role to the domain: admin → ADMIN,
// leader → MODERATOR (a leader runs the group but does not own the
// platform's administration of it), member → MEMBER. A role that is
// missing or unknown is MEMBER: the feed only lists groups the user belongs
// to, and a custom role is not assumed to grant anything. The raw value is
// kept in Membership.ProviderRole.
func Role(v string) providers.Role {
	switch suffix(v) {
	case "admin", "administrator":
		return providers.RoleAdmin
	case "leader":
		return providers.RoleModerator
	default:
		return providers.RoleMember
	}
}

// Status maps an Akana membership state: approved → ACTIVE,
// pending → PENDING, disapproved and removed → REMOVED. A missing state is
// ACTIVE (the feed is of the groups the user is a member of); a state a
// custom workflow invented is PENDING, because it is not the approved
// state. The raw value is kept in Membership.ProviderStatus.
func Status(v string) providers.Status {
	if strings.TrimSpace(v) == "" {
		return providers.StatusActive
	}
	switch suffix(v) {
	case "approved":
		return providers.StatusActive
	case "pending":
		return providers.StatusPending
	case "disapproved", "declined", "removed":
		return providers.StatusRemoved
	default:
		return providers.StatusPending
	}
}

// Visibility maps the platform's visibility names: Public → PUBLIC,
// Limited and Registered Users (anyone signed in to the portal, not the
// public) → RESTRICTED, Private → PRIVATE (case-insensitive, blanks
// ignored). Others (a deployment's own) are unknown; the raw name is kept
// in AkanaDetails.VisibilityName.
func Visibility(v string) providers.Visibility {
	switch strings.Join(strings.Fields(strings.ToLower(v)), " ") {
	case "public":
		return providers.VisibilityPublic
	case "limited", "registered users", "registered":
		return providers.VisibilityRestricted
	case "private":
		return providers.VisibilityPrivate
	default:
		return providers.VisibilityUnknown
	}
}

// validID reports whether id can name a user or group in a request path:
// not empty, not a dot segment (which would climb out of the resource), no
// control characters, of a sane length. The platform's ids are
// "{name}.{tenant}".
func validID(id string) bool {
	if id == "" || id == "." || id == ".." || len(id) > 512 {
		return false
	}
	return !strings.ContainsFunc(id, unicode.IsControl)
}

// leavable reports whether a member with role may end the membership
// through the API. The platform documents member removal as needing Modify
// permission on the group ("for example, a group leader"), and no
// self-leave operation; the reading taken is that leaders and
// administrators may, plain members may not.
func leavable(role providers.Role) bool {
	return role == providers.RoleAdmin || role == providers.RoleModerator
}
