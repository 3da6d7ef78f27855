package graph

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	"github.com/groupgraph/groupgraph/providers"
)

// Global IDs are opaque to clients: base64url (no padding) of
// "gg1:<provider>:<Type>:<native id>". The version prefix lets the format
// change without breaking stored IDs; clients must never parse them.
const idPrefix = "gg1:"

// The object types a global ID can name.
const (
	typeGroup      = "Group"
	typeMembership = "Membership"
	typeUser       = "User"
	typeViewer     = "Viewer"
)

type globalID struct {
	Provider providers.Kind
	Type     string
	Native   string
}

func encodeID(k providers.Kind, typ, native string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(idPrefix + string(k) + ":" + typ + ":" + native))
}

// viewerGlobalID is the Viewer's ID: "gg1::Viewer:" and 128 bits of a
// SHA-256 of groupgraph's identifier of the viewer, which is on no
// platform. Store viewers' identifiers are random, so the hash reveals
// nothing; it also keeps the store's key out of clients' caches and logs,
// and is the same on every instance and after every restart.
func viewerGlobalID(v *providers.Viewer) string {
	return encodeID("", typeViewer, viewerNative(v))
}

func viewerNative(v *providers.Viewer) string {
	sum := sha256.Sum256([]byte("groupgraph viewer id\x00" + v.ID))
	return hex.EncodeToString(sum[:16])
}

func groupID(g *providers.Group) string { return encodeID(g.Provider, typeGroup, g.ID) }

func userID(u *providers.User) string { return encodeID(u.Provider, typeUser, u.ID) }

// membershipNative names a membership by its member and group, since not
// every platform gives memberships an ID of their own.
func membershipNative(userID, groupID string) string {
	return url.PathEscape(userID) + "/" + url.PathEscape(groupID)
}

func membershipID(m *providers.Membership) string {
	return encodeID(m.Provider, typeMembership, membershipNative(m.UserID, m.Group.ID))
}

// decodeID parses a global ID; any malformed or foreign ID is a
// BAD_USER_INPUT error that does not echo more than a short prefix of it.
func decodeID(id string) (globalID, error) {
	bad := func(why string) (globalID, error) {
		return globalID{}, userError(codeBadUserInput, fmt.Sprintf("malformed ID %q: %s", truncate(id, 40), why))
	}
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return bad("not an ID issued by this server")
	}
	s, ok := strings.CutPrefix(string(raw), idPrefix)
	if !ok {
		return bad("not an ID issued by this server")
	}
	kind, rest, ok1 := strings.Cut(s, ":")
	typ, native, ok2 := strings.Cut(rest, ":")
	if !ok1 || !ok2 || native == "" {
		return bad("incomplete")
	}
	if typ == typeViewer {
		// A viewer is on no platform.
		if kind != "" {
			return bad("unknown platform")
		}
		return globalID{Type: typ, Native: native}, nil
	}
	k, err := providers.ParseKind(kind)
	if err != nil {
		return bad("unknown platform")
	}
	switch typ {
	case typeGroup, typeMembership, typeUser, typeLinkedAccount:
	default:
		return bad("unknown object type")
	}
	return globalID{Provider: k, Type: typ, Native: native}, nil
}

func splitMembershipNative(native string) (userID, groupID string, ok bool) {
	u, g, found := strings.Cut(native, "/")
	if !found {
		return "", "", false
	}
	u, err1 := url.PathUnescape(u)
	g, err2 := url.PathUnescape(g)
	return u, g, err1 == nil && err2 == nil && u != "" && g != ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
