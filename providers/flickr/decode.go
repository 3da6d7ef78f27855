package flickr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/jsonscan"
)

// Flickr's JSON is a mechanical translation of its XML, and real responses
// are loose about types (providers.md §1.4): the same field is a number in
// one record and a string in the next, text nodes come wrapped as
// {"_content": …}, empty strings stand for zero, and a list of one may come
// as a bare object. The flex types below accept all of these, and reject
// anything else with an error rather than a panic or a silent zero.

// flexString accepts a string, a number, a boolean, null or a
// {"_content": scalar} wrapper.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	t, err := flexText(b)
	if err != nil {
		return err
	}
	*s = flexString(t)
	return nil
}

// flexText returns the text a flex value stands for. The common values, a
// string without escapes, a number, true or false, and a {"_content": …}
// wrapper of one of them, are read here, the text being a slice of b; the
// others go through encoding/json, which has the last word on what is
// valid. A list is an error, null is the empty text.
func flexText(b []byte) ([]byte, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, errors.New("empty value")
	}
	switch b[0] {
	case '"':
		if t, ok := jsonscan.PlainString(b); ok {
			return t, nil
		}
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, err
		}
		return []byte(v), nil
	case '{':
		inner, err := unwrapContent(b)
		if err != nil {
			return nil, err
		}
		if inner == nil {
			return nil, nil
		}
		return flexText(inner)
	case 'n':
		return nil, nil
	case 't', 'f':
		if string(b) == "true" || string(b) == "false" {
			return b, nil
		}
		var v bool
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, err
		}
		return strconv.AppendBool(nil, v), nil
	case '[':
		return nil, errors.New("a list where text was expected")
	default:
		if jsonscan.ValidNumber(b) {
			return b, nil
		}
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return nil, err
		}
		return []byte(n), nil
	}
}

// flexInt accepts a number, a numeric string, "" (zero), a boolean, null or a
// {"_content": scalar} wrapper.
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	t, err := flexText(b)
	if err != nil {
		return err
	}
	if v, ok := atoi(t); ok {
		*n = flexInt(v)
		return nil
	}
	v, err := parseInt(string(t))
	if err != nil {
		return err
	}
	*n = flexInt(v)
	return nil
}

// atoi is strconv.Atoi for a text that starts like an integer, without
// copying it; where it is ok, parseInt(string(t)) gives the same value.
func atoi(t []byte) (int, bool) {
	if len(t) == 0 || !('0' <= t[0] && t[0] <= '9' || t[0] == '-') {
		return 0, false
	}
	v, err := strconv.Atoi(string(t))
	return v, err == nil
}

func parseInt(s string) (int, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "", "false":
		return 0, nil
	case "true":
		return 1, nil
	}
	if v, err := strconv.Atoi(s); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return 0, fmt.Errorf("%q is not an integer", truncate(s, 32))
	}
	return int(f), nil
}

// list accepts a JSON array, a bare object (a list of one), null or "" (an
// empty list).
type list[T any] []T

func (l *list[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return errors.New("empty value")
	}
	switch b[0] {
	case '[':
		var v []T
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*l = v
	case '{':
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*l = list[T]{v}
	case 'n':
		*l = nil
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s != "" {
			return errors.New("text where a list was expected")
		}
		*l = nil
	default:
		return errors.New("a scalar where a list was expected")
	}
	return nil
}

// unwrapContent returns the _content member of a {"_content": …} object,
// nil when it has none. Only scalars are accepted inside, so that nesting
// cannot recurse.
func unwrapContent(b []byte) ([]byte, error) {
	if c, ok := onlyContent(b); ok {
		return c, nil
	}
	var w struct {
		Content json.RawMessage `json:"_content"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	c := bytes.TrimSpace(w.Content)
	if len(c) > 0 && (c[0] == '{' || c[0] == '[') {
		return nil, errors.New("nested _content")
	}
	if len(c) == 0 {
		return nil, nil
	}
	return c, nil
}

// onlyContent reads the usual wrapper, {"_content": v} with v a string
// without escapes, a number, true, false or null, without encoding/json;
// ok is false for anything else. v is returned as it stands in b.
func onlyContent(b []byte) (v []byte, ok bool) {
	const key = `"_content"`
	b = trimJSONSpace(b)
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return nil, false
	}
	b = trimJSONSpace(b[1 : len(b)-1])
	if !bytes.HasPrefix(b, []byte(key)) {
		return nil, false
	}
	b = trimJSONSpace(b[len(key):])
	if len(b) == 0 || b[0] != ':' {
		return nil, false
	}
	v = trimJSONSpace(b[1:])
	if len(v) == 0 {
		return nil, false
	}
	switch v[0] {
	case '"':
		_, ok = jsonscan.PlainString(v)
	case 't', 'f', 'n':
		ok = string(v) == "true" || string(v) == "false" || string(v) == "null"
	default:
		ok = jsonscan.ValidNumber(v)
	}
	return v, ok
}

// trimJSONSpace trims the whitespace JSON allows around a value.
func trimJSONSpace(b []byte) []byte {
	for len(b) > 0 && isJSONSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isJSONSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// envelope is the part of every REST response that says whether it
// succeeded.
type envelope struct {
	Stat    flexString `json:"stat"`
	Code    flexInt    `json:"code"`
	Message flexString `json:"message"`
}

// decodeProblem is why a response body could not be decoded: the kind it
// is classified as and what Flickr (or the body) said.
type decodeProblem struct {
	kind   error // a providers error kind
	apiErr *APIError
}

// decodeREST checks a REST response body of method and decodes it into v.
// It tolerates a JSONP wrapper (the jsonFlickrApi(…) Flickr sends without
// nojsoncallback) and recognises the bodies Flickr sends outside its
// envelope: raw oauth_problem reports and HTML error pages. A nil return
// means success.
func decodeREST(method string, body []byte, v any) *decodeProblem {
	b := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	b = stripJSONP(b)
	if len(b) == 0 {
		return unavailable(method, "empty response body")
	}
	if b[0] != '{' {
		return nonJSON(method, b)
	}
	if r, ok := v.(okReader); ok && r.readOK(b) {
		return nil
	}
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return unavailable(method, "malformed JSON response")
	}
	switch env.Stat {
	case "ok":
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(b, v); err != nil {
			return unavailable(method, "unexpected JSON response shape")
		}
		return nil
	case "fail":
		code := int(env.Code)
		apiErr := &APIError{Method: method, Code: code, Upstream: string(env.Message), StatusCode: 200}
		if code == 0 {
			apiErr.Message = "stat=fail without an error code"
			return &decodeProblem{kind: providers.ErrUnavailable, apiErr: apiErr}
		}
		return &decodeProblem{kind: codeKind(method, code), apiErr: apiErr}
	}
	return unavailable(method, "response without stat")
}

// okReader is a response type that reads the usual successful answer
// without encoding/json, in one pass.
type okReader interface {
	// readOK reports whether it read b, which is then a JSON object with
	// stat "ok" that the envelope and the response decode from without
	// error, into what json.Unmarshal would have given. When it reports
	// false the receiver is unchanged, and decodeREST decodes b with
	// encoding/json, which has the last word.
	readOK(b []byte) bool
}

// The readers of flex values from a jsonscan.Reader: each value is read
// by its UnmarshalJSON, as encoding/json would; a pointer is nil for null.

func readString(r *jsonscan.Reader, s *flexString) bool {
	b, ok := r.Value()
	return ok && s.UnmarshalJSON(b) == nil
}

func readInt(r *jsonscan.Reader, n *flexInt) bool {
	b, ok := r.Value()
	return ok && n.UnmarshalJSON(b) == nil
}

// readList reads what list[T].UnmarshalJSON accepts, each element with
// readElem.
func readList[T any](r *jsonscan.Reader, l *list[T], readElem func(*jsonscan.Reader, *T) bool) bool {
	switch r.Peek() {
	case 'n':
		return r.Null()
	case '"':
		s, ok := r.String()
		return ok && s == ""
	case '{':
		v := make(list[T], 1)
		if !readElem(r, &v[0]) {
			return false
		}
		*l = v
		return true
	case '[':
		v := list[T]{}
		ok := r.Array(func() bool {
			var zero T
			v = append(v, zero)
			return readElem(r, &v[len(v)-1])
		})
		*l = v
		return ok
	}
	return false
}

// stripJSONP removes a "name(…)" JSONP wrapper, if any.
func stripJSONP(b []byte) []byte {
	open := bytes.IndexByte(b, '(')
	if open <= 0 || !bytes.HasSuffix(bytes.TrimRight(b, "; \n"), []byte(")")) {
		return b
	}
	name := b[:open]
	for _, c := range name {
		if !(c == '_' || c == '.' || c == '$' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')) {
			return b
		}
	}
	inner := bytes.TrimRight(b, "; \n")
	return bytes.TrimSpace(inner[open+1 : len(inner)-1])
}

// nonJSON classifies a body that is not JSON: a raw oauth_problem report, an
// HTML page (a proxy or load balancer's error), XML, or anything else.
func nonJSON(method string, b []byte) *decodeProblem {
	if p := oauthProblem(b); p != "" {
		return &decodeProblem{kind: oauthProblemKind(p), apiErr: &APIError{Method: method, OAuthProblem: p}}
	}
	lower := bytes.ToLower(b[:min(len(b), 512)])
	switch {
	case bytes.Contains(lower, []byte("<html")) || bytes.Contains(lower, []byte("<!doctype html")):
		return unavailable(method, "HTML page instead of an API response")
	case b[0] == '<':
		return unavailable(method, "XML instead of the requested JSON")
	}
	return unavailable(method, "response is not JSON")
}

// oauthProblem returns the oauth_problem value of a form-encoded OAuth
// problem report, or "". Only the problem name is kept: the report's other
// fields (debug_sbs, the signature base string) repeat the request,
// including its token.
func oauthProblem(b []byte) string {
	if len(b) > 4096 || !bytes.Contains(b, []byte("oauth_problem=")) {
		return ""
	}
	q, err := url.ParseQuery(string(bytes.TrimSpace(b)))
	if err != nil {
		return ""
	}
	p := q.Get("oauth_problem")
	if !knownOAuthProblems[p] {
		return "unrecognised"
	}
	return p
}

func unavailable(method, why string) *decodeProblem {
	return &decodeProblem{kind: providers.ErrUnavailable, apiErr: &APIError{Method: method, Message: why, StatusCode: 200}}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
