package graph

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// Page sizes: a connection returns defaultPageSize items when the client
// names neither first nor last, and never more than maxPageSize.
const (
	defaultPageSize = 50
	maxPageSize     = 100
)

// pageArgs are a connection's Relay arguments.
type pageArgs struct {
	first, last   *int
	after, before *string
}

// sortKey places an item in an ordered list: the list and ordering it
// belongs to (Order, unique across connections), the ordering's value,
// then the platform's position, then the item's native ID, so that keys
// are unique and a cursor still finds its place after the item it names
// has gone.
type sortKey struct {
	Order    string `json:"o"`
	Value    string `json:"v"`
	Provider int    `json:"p"`
	ID       string `json:"i"`
}

func (a sortKey) compare(b sortKey) int {
	if c := strings.Compare(a.Value, b.Value); c != 0 {
		return c
	}
	if a.Provider != b.Provider {
		return a.Provider - b.Provider
	}
	return strings.Compare(a.ID, b.ID)
}

func encodeCursor(k sortKey) string {
	b, _ := json.Marshal(k)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, order string) (sortKey, error) {
	var k sortKey
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(raw, &k)
	}
	if err != nil || k.Order == "" {
		return sortKey{}, userError(codeBadUserInput, fmt.Sprintf("invalid cursor %q", truncate(s, 40)))
	}
	if k.Order != order {
		return sortKey{}, userError(codeBadUserInput, "the cursor comes from another list, or from this one in another order")
	}
	return k, nil
}

// validate checks the arguments before any upstream is asked.
func (a pageArgs) validate(order string) error {
	if a.first != nil && a.last != nil {
		return userError(codeBadUserInput, "pass first or last, not both")
	}
	for name, n := range map[string]*int{"first": a.first, "last": a.last} {
		if n != nil && (*n < 0 || *n > maxPageSize) {
			return userError(codeBadUserInput, fmt.Sprintf("%s must be between 0 and %d, got %d", name, maxPageSize, *n))
		}
	}
	for _, c := range []*string{a.after, a.before} {
		if c != nil {
			if _, err := decodeCursor(*c, order); err != nil {
				return err
			}
		}
	}
	return nil
}

// window is the slice of an ordered list a page covers.
type window struct {
	start, end           int
	hasPrevious, hasNext bool
}

// paginate applies the arguments to a list of keys already in order. The
// arguments must have passed validate.
func paginate(keys []sortKey, a pageArgs, order string) window {
	lo, hi := 0, len(keys)
	if a.after != nil {
		k, _ := decodeCursor(*a.after, order)
		for lo < hi && keys[lo].compare(k) <= 0 {
			lo++
		}
	}
	if a.before != nil {
		k, _ := decodeCursor(*a.before, order)
		for hi > lo && keys[hi-1].compare(k) >= 0 {
			hi--
		}
	}
	w := window{start: lo, end: hi, hasPrevious: lo > 0, hasNext: hi < len(keys)}
	switch {
	case a.last != nil:
		if hi-lo > *a.last {
			w.start = hi - *a.last
			w.hasPrevious = true
		}
	default:
		n := defaultPageSize
		if a.first != nil {
			n = *a.first
		}
		if hi-lo > n {
			w.end = lo + n
			w.hasNext = true
		}
	}
	return w
}
