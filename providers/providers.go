// Package providers is groupgraph's domain: the groups, users and memberships
// a person has on the group platforms, the small interface every platform
// client implements, the error kinds they classify upstream failures into, and
// the Registry that fans a call out to all of a viewer's linked accounts.
//
// The package imports only the standard library. Each platform lives in a
// subpackage (providers/flickr, providers/upcoming, …) that implements
// Provider; nothing here knows about them, and they do not know about each
// other or about GraphQL.
package providers

import (
	"context"
	"fmt"
	"time"
)

// Kind names a platform. Its values are the lower-case platform names used in
// configuration and in opaque IDs; GraphQL exposes them as the Provider enum.
type Kind string

// The platforms groupgraph speaks to.
const (
	Flickr     Kind = "flickr"
	Upcoming   Kind = "upcoming"
	PageSeeder Kind = "pageseeder"
	Akana      Kind = "akana"
)

// Kinds lists every platform in a stable order, the order merged results use
// when nothing else decides.
var Kinds = []Kind{Flickr, Upcoming, PageSeeder, Akana}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, known := range Kinds {
		if k == known {
			return true
		}
	}
	return false
}

// ParseKind returns the Kind named s, or an error wrapping ErrInvalid.
func ParseKind(s string) (Kind, error) {
	k := Kind(s)
	if !k.Valid() {
		return "", fmt.Errorf("%w: unknown provider %q", ErrInvalid, s)
	}
	return k, nil
}

// Provider is one platform's client, adapted to the domain. Every method takes
// the linked account it acts for; implementations are safe for concurrent use
// and classify every failure into one of the error kinds (errors.Is), never
// putting a credential into an error string.
type Provider interface {
	// Kind names the platform.
	Kind() Kind
	// Capabilities says which operations the platform supports. A method
	// whose capability is false returns an error wrapping ErrUnsupported.
	Capabilities() Capabilities
	// Whoami returns the platform user the account's credentials belong to.
	Whoami(ctx context.Context, acct Account) (User, error)
	// Memberships lists the account's memberships, each with the group as the
	// platform's list call describes it (see Group.Complete).
	Memberships(ctx context.Context, acct Account) ([]Membership, error)
	// GroupsByID returns the full details of the groups with the given native
	// IDs, keyed by ID. An ID that does not exist (or that the account may not
	// see) is absent from the map; it is not an error. A platform without a
	// batch endpoint fans out itself, with bounded concurrency. When some IDs
	// failed and others did not, the successes come back together with a
	// *BatchError naming the failures.
	GroupsByID(ctx context.Context, acct Account, ids []string) (map[string]*Group, error)
	// VisibleGroups lists the groups the account may see and join but has not
	// joined.
	VisibleGroups(ctx context.Context, acct Account) ([]Group, error)
	// LeaveGroup ends the account's membership of the group. It is a write and
	// is never retried by the caller.
	LeaveGroup(ctx context.Context, acct Account, groupID string, opts LeaveOptions) (LeaveResult, error)
}

// Capabilities says what a platform supports, so that clients can tell an
// unsupported operation from a failing one before they ask.
type Capabilities struct {
	// VisibleGroups: the platform lists groups the account may join.
	VisibleGroups bool
	// Leave: the platform lets a member leave a group through its API.
	Leave bool
	// DeletePhotosOnLeave: leaving can also remove the member's contributed
	// photos from the group (Flickr's delete_photos).
	DeletePhotosOnLeave bool
	// BatchGroupDetails: GroupsByID is one upstream call for many IDs rather
	// than one call per ID.
	BatchGroupDetails bool
	// MaxBatch is the most IDs one GroupsByID call takes; 0 means no limit.
	// Callers that batch (the dataloaders) split larger batches.
	MaxBatch int
	// DetailConcurrency is, on a platform without a batch call, how many
	// of its per-ID detail calls GroupsByID runs at once; 0 when unknown.
	// The resilience layer loads IDs one by one that many at a time, so
	// that each group is shared with other requests as soon as it arrives.
	DetailConcurrency int
	// ListFields are the fields the list call (Memberships) may carry for
	// a group, DetailFields those GroupsByID may carry: the table by which
	// a caller knows which call can answer a field. A field in neither is
	// one the platform never gives. Fields not named by Field (the name,
	// Upcoming's and Akana's details) always come with the list.
	ListFields, DetailFields Fields
	// ViewerFields are the fields that depend on who asked (Flickr's
	// remaining pool allowance and per-caller flags): details shared
	// between viewers lack them, so they come from the caller's own
	// detail call (see OwnGroups).
	ViewerFields Fields
}

// Account is a viewer's linked account on one platform: who they are there and
// the credentials groupgraph holds for them.
type Account struct {
	// ID is groupgraph's own identifier of the link.
	ID string
	// Provider is the platform.
	Provider Kind
	// UserID is the user's identifier on the platform (a Flickr NSID, an
	// Upcoming user id, a PageSeeder member id, an Akana user id).
	UserID string
	// DisplayName is the user's name on the platform, when known.
	DisplayName string
	// Credentials are the secrets the platform wants.
	Credentials Credentials
}

// Credentials hold the secrets of one linked account. Which fields a platform
// uses, and what they mean:
//
//	Flickr      Token = OAuth 1.0a access token, Secret = its token secret
//	Upcoming    Token = the 40-digit auth token
//	PageSeeder  Token = OAuth2 access token, RefreshToken, Expiry
//	Akana       Token = the AtmoAuthToken session cookie, Secret = the CSRF
//	            token (empty when CSRF protection is off), Expiry
//
// Credentials never appear in an error, a log line or a response: String and
// GoString redact them, so even an accidental %v prints nothing secret.
type Credentials struct {
	Token        string
	Secret       string
	RefreshToken string
	Expiry       time.Time
}

// String redacts the credentials.
func (c Credentials) String() string { return "Credentials{redacted}" }

// GoString redacts the credentials.
func (c Credentials) GoString() string { return c.String() }

// Format redacts the credentials for every verb, so %+v cannot leak them.
func (c Credentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// CredentialSink is told when a provider renewed an account's credentials on
// its own (a refreshed OAuth2 token, a renewed Akana session), so that the
// store can keep the new ones. Providers keep using the renewed credentials
// for that account even when the sink fails.
type CredentialSink interface {
	CredentialsRenewed(ctx context.Context, acct Account, c Credentials) error
}

// User is a person on one platform.
type User struct {
	Provider Kind
	// ID is the platform's identifier (NSID, user id, member id).
	ID string
	// Username is the login or screen name, when the platform has one.
	Username string
	// Name is the display name.
	Name string
	// ProfileURL and AvatarURL are empty when unknown.
	ProfileURL string
	AvatarURL  string
}

// Viewer is the authenticated caller of groupgraph and their linked accounts,
// at most one per platform.
type Viewer struct {
	ID       string
	Name     string
	Accounts []Account
}

// Account returns the viewer's linked account on the platform k.
func (v *Viewer) Account(k Kind) (Account, bool) {
	if v == nil {
		return Account{}, false
	}
	for _, a := range v.Accounts {
		if a.Provider == k {
			return a, true
		}
	}
	return Account{}, false
}

type viewerKey struct{}

// NewContextWithViewer returns a copy of ctx carrying v.
func NewContextWithViewer(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFromContext returns the viewer NewContextWithViewer stored, or nil for
// an anonymous request.
func ViewerFromContext(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey{}).(*Viewer)
	return v
}

// AccountInfo describes a linked account without its credentials.
type AccountInfo struct {
	// ID is groupgraph's identifier of the link.
	ID          string
	Provider    Kind
	UserID      string
	DisplayName string
	// NeedsRelink says the platform rejected the stored credentials.
	NeedsRelink bool
	// LinkedAt is when the account was linked; zero when unknown.
	LinkedAt time.Time
}
