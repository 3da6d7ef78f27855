package model

import (
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// The Time scalar (gqlgen.yml binds it to these functions) is an RFC 3339
// string in UTC, as its description promises. Platforms send times with
// their own offsets (PageSeeder's +11:00, Upcoming's server-local clock),
// which gqlgen's own Time would pass through unchanged.

// MarshalTime writes t in UTC; the zero time is null.
func MarshalTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t.UTC()) }

// UnmarshalTime reads an RFC 3339 time and returns it in UTC.
func UnmarshalTime(v any) (time.Time, error) {
	t, err := graphql.UnmarshalTime(v)
	return t.UTC(), err
}
