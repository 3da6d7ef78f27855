package providertest

import (
	"strings"
	"testing"
	"unicode"

	"github.com/groupgraph/groupgraph/providers"
)

// AssertNoUpstreamText fails t when err's message repeats what the
// platform wrote in body: any run of eight or more letters, digits or
// "_%./-" of body that none of allowed contains (the method or path names
// an error message names itself). Error messages carry a classified kind
// and a fixed text; a platform's own words, which may quote the request
// (an OAuth signature base string, a login page), go to the debug log.
func AssertNoUpstreamText(t testing.TB, err error, body string, allowed ...string) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	// The kinds' own words ("unavailable", "credentials rejected") are
	// groupgraph's, whatever the body also says.
	for _, k := range []error{providers.ErrNotFound, providers.ErrNotMember, providers.ErrForbidden, providers.ErrUnauthenticated,
		providers.ErrRateLimited, providers.ErrUnavailable, providers.ErrTimeout, providers.ErrInvalid, providers.ErrUnsupported,
		providers.ErrInherited, providers.ErrNotLinked, providers.ErrInternal} {
		allowed = append(allowed, k.Error())
	}
	for _, w := range strings.FieldsFunc(body, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("_%./-", r))
	}) {
		if len(w) < 8 || !strings.Contains(msg, w) {
			continue
		}
		if !containedIn(w, allowed) {
			t.Errorf("error %q repeats the platform's text %q", msg, w)
		}
	}
}

func containedIn(w string, allowed []string) bool {
	for _, a := range allowed {
		if strings.Contains(a, w) {
			return true
		}
	}
	return false
}
