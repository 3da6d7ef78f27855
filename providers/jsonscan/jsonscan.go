// Package jsonscan reads JSON text in one pass without encoding/json, for
// the platform clients' decoders of large, regular answers (membership
// lists). Those decoders read the shapes such answers come in by hand and
// leave everything else to encoding/json.
//
// A Reader accepts only text that encoding/json accepts, and a decoder
// built on it reports false wherever it could not promise encoding/json's
// result: object keys with escapes or non-ASCII bytes, keys that match a
// field only without regard to case, repeated keys, deep nesting, values of
// an unexpected kind. The caller then decodes the input with encoding/json,
// which has the last word on every input.
//
// A decoder that reads objects as encoding/json reads them into maps uses
// Members, which takes every key as encoding/json decodes it; one that has
// had json.Valid accept the whole body first uses NewValidReader, whose
// Skip follows any nesting.
package jsonscan

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// maxDepth bounds the nesting Skip follows; deeper input is left to
// encoding/json.
const maxDepth = 64

// Reader reads JSON values from a byte slice.
type Reader struct {
	data []byte
	off  int
	// valid says that json.Valid has accepted data, which lifts maxDepth.
	valid bool
}

// NewReader returns a Reader of data.
func NewReader(data []byte) Reader { return Reader{data: data} }

// NewValidReader returns a Reader of data, which json.Valid has accepted.
// Its Skip and Value follow nesting to any depth rather than report false
// beyond maxDepth: encoding/json has bounded the depth already, and a
// decoder that has checked the whole body first has nothing to leave to it.
func NewValidReader(data []byte) Reader { return Reader{data: data, valid: true} }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// Peek skips whitespace and returns the next byte, 0 at the end of the input.
func (r *Reader) Peek() byte {
	for r.off < len(r.data) && isSpace(r.data[r.off]) {
		r.off++
	}
	if r.off == len(r.data) {
		return 0
	}
	return r.data[r.off]
}

// End reports whether only whitespace is left.
func (r *Reader) End() bool { return r.Peek() == 0 && r.off == len(r.data) }

// Object reads an object, calling member with each member's key (without
// its quotes); member must read the value. It reports false when the next
// value is not a well-formed object, when a key has an escape, a control
// character or a non-ASCII byte, or when member reports false.
func (r *Reader) Object(member func(key []byte) bool) bool {
	return r.object(false, member)
}

// Members reads an object as encoding/json reads one into a map: member is
// called with each member's key as encoding/json decodes it (escapes undone,
// invalid UTF-8 replaced), whatever its bytes, and with a repeated key each
// time it comes, so that what member keeps of the last one is what a map
// holds. member must read the value. It reports false when the next value
// is not a well-formed object or member reports false.
func (r *Reader) Members(member func(key []byte) bool) bool {
	return r.object(true, member)
}

// object reads an object for Object, or for Members when anyKey is set.
func (r *Reader) object(anyKey bool, member func(key []byte) bool) bool {
	if r.Peek() != '{' {
		return false
	}
	r.off++
	if r.Peek() == '}' {
		r.off++
		return true
	}
	for {
		if r.Peek() != '"' {
			return false
		}
		key, ok := r.plainKey()
		if !ok && anyKey {
			key, ok = r.text()
		}
		if !ok || r.Peek() != ':' {
			return false
		}
		r.off++
		if !member(key) {
			return false
		}
		switch r.Peek() {
		case ',':
			r.off++
		case '}':
			r.off++
			return true
		default:
			return false
		}
	}
}

// plainKey reads a string without escapes or non-ASCII bytes.
func (r *Reader) plainKey() ([]byte, bool) {
	start := r.off + 1
	for i := start; i < len(r.data); i++ {
		switch c := r.data[i]; {
		case c == '"':
			r.off = i + 1
			return r.data[start:i], true
		case c == '\\' || c < ' ' || c >= utf8.RuneSelf:
			return nil, false
		}
	}
	return nil, false
}

// Array reads an array, calling elem for each element; elem must read the
// element. It reports false when the next value is not a well-formed array
// or elem reports false.
func (r *Reader) Array(elem func() bool) bool {
	if r.Peek() != '[' {
		return false
	}
	r.off++
	if r.Peek() == ']' {
		r.off++
		return true
	}
	for {
		if !elem() {
			return false
		}
		switch r.Peek() {
		case ',':
			r.off++
		case ']':
			r.off++
			return true
		default:
			return false
		}
	}
}

// Value reads the next value, whatever it is, and returns its text.
func (r *Reader) Value() ([]byte, bool) {
	r.Peek()
	start := r.off
	if !r.skip(0) {
		return nil, false
	}
	return r.data[start:r.off], true
}

// Skip reads the next value, whatever it is.
func (r *Reader) Skip() bool { return r.skip(0) }

func (r *Reader) skip(depth int) bool {
	switch r.Peek() {
	case '{':
		if depth == maxDepth && !r.valid {
			return false
		}
		r.off++
		if r.Peek() == '}' {
			r.off++
			return true
		}
		for {
			if r.Peek() != '"' {
				return false
			}
			if _, _, ok := r.str(); !ok || r.Peek() != ':' {
				return false
			}
			r.off++
			if !r.skip(depth + 1) {
				return false
			}
			switch r.Peek() {
			case ',':
				r.off++
			case '}':
				r.off++
				return true
			default:
				return false
			}
		}
	case '[':
		if depth == maxDepth && !r.valid {
			return false
		}
		r.off++
		if r.Peek() == ']' {
			r.off++
			return true
		}
		for {
			if !r.skip(depth + 1) {
				return false
			}
			switch r.Peek() {
			case ',':
				r.off++
			case ']':
				r.off++
				return true
			default:
				return false
			}
		}
	case '"':
		_, _, ok := r.str()
		return ok
	case 't':
		return r.literal("true")
	case 'f':
		return r.literal("false")
	case 'n':
		return r.literal("null")
	default:
		return r.number()
	}
}

// str reads a string at r.off and returns its contents (between the
// quotes) and whether they can be taken as they are: no escapes, and
// valid UTF-8.
func (r *Reader) str() (contents []byte, plain, ok bool) {
	start := r.off + 1
	plain, ascii := true, true
	for i := start; i < len(r.data); i++ {
		switch c := r.data[i]; {
		case c == '"':
			r.off = i + 1
			contents = r.data[start:i]
			if !ascii {
				plain = plain && utf8.Valid(contents)
			}
			return contents, plain, true
		case c < ' ':
			return nil, false, false
		case c >= utf8.RuneSelf:
			ascii = false
		case c == '\\':
			plain = false
			i++
			if i == len(r.data) {
				return nil, false, false
			}
			switch r.data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(r.data)-i < 5 {
					return nil, false, false
				}
				for _, h := range r.data[i+1 : i+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return nil, false, false
					}
				}
				i += 4
			default:
				return nil, false, false
			}
		}
	}
	return nil, false, false
}

func (r *Reader) literal(word string) bool {
	if !bytes.HasPrefix(r.data[r.off:], []byte(word)) {
		return false
	}
	r.off += len(word)
	return true
}

// number reads a number. The bytes a number may hold are taken as far as
// they go: JSON allows none of them right after a number.
func (r *Reader) number() bool {
	end := r.off
	for end < len(r.data) {
		c := r.data[end]
		if !('0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
			break
		}
		end++
	}
	if !ValidNumber(r.data[r.off:end]) {
		return false
	}
	r.off = end
	return true
}

// String reads a string value and returns what encoding/json decodes it
// to. A string with escapes or invalid UTF-8 is decoded by encoding/json.
func (r *Reader) String() (string, bool) {
	if r.Peek() != '"' {
		return "", false
	}
	start := r.off
	contents, plain, ok := r.str()
	switch {
	case !ok:
		return "", false
	case plain:
		return string(contents), true
	}
	return r.unquote(start)
}

// text reads the string at r.off and returns what encoding/json decodes it
// to: its contents when they are plain, else a decoded copy.
func (r *Reader) text() ([]byte, bool) {
	start := r.off
	contents, plain, ok := r.str()
	switch {
	case !ok:
		return nil, false
	case plain:
		return contents, true
	}
	s, ok := r.unquote(start)
	return []byte(s), ok
}

// unquote decodes the string that str has just read from start, which has
// escapes or invalid UTF-8, with encoding/json.
func (r *Reader) unquote(start int) (string, bool) {
	var s string
	if json.Unmarshal(r.data[start:r.off], &s) != nil {
		return "", false
	}
	return s, true
}

// Null reads a null.
func (r *Reader) Null() bool { return r.Peek() == 'n' && r.literal("null") }

// PlainString returns the contents of b when b is exactly one JSON string
// without escapes, control characters or invalid UTF-8: what encoding/json
// decodes it to.
func PlainString(b []byte) ([]byte, bool) {
	if len(b) < 2 || b[0] != '"' {
		return nil, false
	}
	r := Reader{data: b}
	contents, plain, ok := r.str()
	if !ok || !plain || r.off != len(b) {
		return nil, false
	}
	return contents, true
}

// ValidNumber reports whether b is a JSON number (RFC 8259, section 6).
func ValidNumber(b []byte) bool {
	digits := func(b []byte) []byte {
		for len(b) > 0 && '0' <= b[0] && b[0] <= '9' {
			b = b[1:]
		}
		return b
	}
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	switch {
	case len(b) == 0:
		return false
	case b[0] == '0':
		b = b[1:]
	case '1' <= b[0] && b[0] <= '9':
		b = digits(b[1:])
	default:
		return false
	}
	if len(b) > 0 && b[0] == '.' {
		if len(b) < 2 || b[1] < '0' || b[1] > '9' {
			return false
		}
		b = digits(b[2:])
	}
	if len(b) > 0 && (b[0] == 'e' || b[0] == 'E') {
		b = b[1:]
		if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
			b = b[1:]
		}
		if len(b) == 0 || b[0] < '0' || b[0] > '9' {
			return false
		}
		b = digits(b[1:])
	}
	return len(b) == 0
}

// Field reads the member of an object that is named Name into a *T.
type Field[T any] struct {
	Name string
	Read func(r *Reader, v *T) bool
}

// ReadObject reads an object into v, which must be zero, as encoding/json
// decodes it into a struct whose fields are fields: a member named as a
// field is read by that field's Read, a member whose key names no field
// in any case is skipped. It reports false, leaving the object to
// encoding/json, for a key that names a field only without regard to case,
// for a repeated field and for anything Object reports false for. There
// may be at most 64 fields.
func ReadObject[T any](r *Reader, v *T, fields []Field[T]) bool {
	var seen uint64
	return r.Object(func(key []byte) bool {
		for i, f := range fields {
			if string(key) == f.Name {
				if seen&(1<<i) != 0 {
					return false
				}
				seen |= 1 << i
				return f.Read(r, v)
			}
		}
		for _, f := range fields {
			if bytes.EqualFold(key, []byte(f.Name)) {
				return false
			}
		}
		return r.Skip()
	})
}
