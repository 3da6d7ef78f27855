package upcoming

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// envelope is the decoded <rsp> of any method, in either format. Upcoming's
// payloads are flat: every element the client reads (group, token, error) is
// a direct child of rsp whose data sits in attributes (XML) or scalar members
// (JSON), so one shape serves every method.
type envelope struct {
	// Stat is "ok" or "fail" as sent; anything else is malformed.
	Stat string
	// Message is the error@msg of a failure, untrusted and unsanitized.
	Message string
	// Groups and Tokens are the <group> and <token> children.
	Groups []element
	Tokens []element
}

// element is one <group/> or <token/>: its fields as text. XML attributes
// are text already; JSON numbers keep their literal spelling and booleans
// become "1"/"0", so one parser reads both formats' values and a field that
// comes as 15 in one answer and "15" in another means the same.
type element map[string]string

// errMalformed marks a body that is not an Upcoming envelope.
var errMalformed = errors.New("malformed response body")

// decodeEnvelope reads body as JSON or XML. contentType decides when it names
// a format; otherwise (text/plain, a missing header) the first non-blank byte
// does, because servers that ignore format=json send XML under any label.
//
// A success envelope must be complete: a truncated <rsp stat="ok"> would
// silently lose groups. A failure envelope is accepted as soon as its stat
// and message are known, because the platform's own documentation shows the
// error XML with an unclosed <rsp>.
func decodeEnvelope(contentType string, body []byte) (*envelope, error) {
	ct := strings.ToLower(contentType)
	switch {
	case strings.Contains(ct, "json"):
		return decodeJSON(body)
	case strings.Contains(ct, "xml"):
		return decodeXML(body)
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n\ufeff")
	trimmed = bytes.TrimPrefix(trimmed, []byte("\xef\xbb\xbf"))
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%w: empty body", errMalformed)
	}
	switch trimmed[0] {
	case '{':
		return decodeJSON(trimmed)
	case '<':
		return decodeXML(trimmed)
	}
	return nil, fmt.Errorf("%w: neither JSON nor XML", errMalformed)
}

// decodeJSON reads {"rsp": {...}}. The failure shape is undocumented; this
// client reads {"rsp":{"stat":"fail","error":{"msg":"…"}}} (the XML shape
// mapped the way the JSON success responses map it) and also accepts the
// error as an array of such objects, as a bare string, or a "msg"/"message"
// member of rsp itself. A body without the rsp wrapper but with a top-level
// stat is read as if it were wrapped.
//
// The body is checked once (json.Valid) and then walked once, decoding only
// the members the client reads straight into the envelope. The rules are
// those of reading each object as a map[string]json.RawMessage: keys match
// exactly, the last of repeated members counts, and strings are unescaped as
// encoding/json does.
func decodeJSON(body []byte) (*envelope, error) {
	if !json.Valid(body) {
		// Unmarshal makes the same check and says where it failed.
		return nil, fmt.Errorf("%w: %s", errMalformed, jsonProblem(json.Unmarshal(body, new(any))))
	}
	r := jsonReader{data: body}
	var rsp *rspMembers
	switch r.kind() {
	case '{':
		rsp = r.rsp(true)
	case 'n':
		// null reads as an empty object, which has no stat.
		rsp = &rspMembers{}
	default:
		return nil, fmt.Errorf("%w: not a JSON object", errMalformed)
	}
	if rsp.hasRsp {
		if rsp = rsp.rsp; rsp == nil {
			return nil, fmt.Errorf("%w: rsp is not an object", errMalformed)
		}
	}
	if rsp.statBad {
		return nil, fmt.Errorf("%w: stat is not a string", errMalformed)
	}
	if rsp.stat == "" {
		return nil, fmt.Errorf("%w: no stat", errMalformed)
	}
	if rsp.groupErr != nil {
		return nil, fmt.Errorf("%w: group: %v", errMalformed, rsp.groupErr)
	}
	if rsp.tokenErr != nil {
		return nil, fmt.Errorf("%w: token: %v", errMalformed, rsp.tokenErr)
	}
	return &envelope{Stat: rsp.stat, Message: rsp.text(), Groups: rsp.groups, Tokens: rsp.tokens}, nil
}

// jsonProblem describes a JSON syntax error without quoting the body.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "truncated JSON"
	}
	return "not a JSON object"
}

// rspMembers is what the client reads of an rsp object. Each member
// overwrites what an earlier one of the same name left, so the last counts.
type rspMembers struct {
	stat    string
	statBad bool // stat is neither a string nor null

	groups, tokens     []element
	groupErr, tokenErr error

	// errMsg is the message the error member gives, if hasErrMsg; msg and
	// message are the members of those names when non-empty scalars.
	errMsg       string
	hasErrMsg    bool
	msg, message string

	// At the top level only: whether there is an rsp member, and the
	// members of it (nil when it is not an object).
	hasRsp bool
	rsp    *rspMembers
}

// text finds a failure's message wherever a server put it: the error
// member first (a scalar as it is, or the first non-empty msg or message of
// its objects), then a msg or message member of rsp itself.
func (f *rspMembers) text() string {
	switch {
	case f.hasErrMsg:
		return f.errMsg
	case f.msg != "":
		return f.msg
	}
	return f.message
}

// rsp reads the object at the reader. top says whether it is the document
// itself, whose rsp member (if any) is the envelope.
func (r *jsonReader) rsp(top bool) *rspMembers {
	f := &rspMembers{}
	r.open()
	for r.more() {
		switch string(r.key()) {
		case "rsp":
			if !top {
				r.skip()
				continue
			}
			f.hasRsp, f.rsp = true, nil
			if r.kind() == '{' {
				f.rsp = r.rsp(false)
			} else {
				r.skip()
			}
		case "stat":
			f.stat, f.statBad = "", false
			switch r.kind() {
			case '"':
				f.stat = r.str()
			case 'n':
				r.skip()
			default:
				r.skip()
				f.statBad = true
			}
		case "group":
			f.groups, f.groupErr = r.elements()
		case "token":
			f.tokens, f.tokenErr = r.elements()
		case "error":
			f.errMsg, f.hasErrMsg = r.errorMessage()
		case "msg":
			f.msg, _ = r.scalar()
		case "message":
			f.message, _ = r.scalar()
		default:
			r.skip()
		}
	}
	return f
}

// elements reads a list of flat objects. JSON output turns repeated XML
// elements into arrays; a lone element may come as a bare object, so both are
// read. null means none, and so do null entries of an array.
func (r *jsonReader) elements() ([]element, error) {
	switch r.kind() {
	case 'n':
		r.skip()
		return nil, nil
	case '{':
		return []element{r.element()}, nil
	case '[':
		els := []element{}
		var err error
		r.open()
		for r.more() {
			switch r.kind() {
			case '{':
				els = append(els, r.element())
			case 'n':
				r.skip()
			default:
				r.skip()
				err = errors.New("not an array of objects")
			}
		}
		if err != nil {
			return nil, err
		}
		return els, nil
	}
	r.skip()
	return nil, errors.New("not an array of objects")
}

// element reads one flat object. Its scalars are kept as jsonReader.scalar
// renders them; a member that is an object, an array or null is absent.
func (r *jsonReader) element() element {
	// Counting the members first sizes the map once; the count is bounded
	// by the object's length, so a body cannot make it large for nothing.
	start := r.pos
	el := make(element, r.skip())
	r.pos = start
	r.open()
	for r.more() {
		k := fieldName(r.key())
		if s, ok := r.scalar(); ok {
			el[k] = s
		} else {
			delete(el, k)
		}
	}
	return el
}

// errorMessage reads the error member of a failure: a scalar is the message
// as it is; objects give their first non-empty msg or message.
func (r *jsonReader) errorMessage() (string, bool) {
	switch r.kind() {
	case '{', '[':
		els, err := r.elements()
		if err != nil {
			return "", false
		}
		for _, el := range els {
			for _, k := range [...]string{"msg", "message"} {
				if m := el[k]; m != "" {
					return m, true
				}
			}
		}
		return "", false
	}
	return r.scalar()
}

// fieldName returns the element field name key spells, without allocating
// for the names Upcoming sends.
func fieldName(key []byte) string {
	switch string(key) {
	case "id":
		return "id"
	case "name":
		return "name"
	case "description":
		return "description"
	case "moderation_level":
		return "moderation_level"
	case "event_moderation":
		return "event_moderation"
	case "member_moderation":
		return "member_moderation"
	case "is_private":
		return "is_private"
	case "topic_count":
		return "topic_count"
	case "member_count":
		return "member_count"
	case "timestamp":
		return "timestamp"
	case "owner_user_id":
		return "owner_user_id"
	case "commercial_account_id":
		return "commercial_account_id"
	case "num_members":
		return "num_members"
	case "num_topics":
		return "num_topics"
	case "token":
		return "token"
	case "user_id":
		return "user_id"
	case "user_name":
		return "user_name"
	case "user_username":
		return "user_username"
	case "msg":
		return "msg"
	case "message":
		return "message"
	}
	return string(key)
}

// jsonReader walks a JSON document that json.Valid has accepted, so it never
// meets a syntax error and need not check for one.
type jsonReader struct {
	data []byte
	pos  int
}

// kind skips blanks and returns the first byte of the next value.
func (r *jsonReader) kind() byte {
	for r.pos < len(r.data) {
		switch c := r.data[r.pos]; c {
		case ' ', '\t', '\r', '\n':
			r.pos++
		default:
			return c
		}
	}
	return 0
}

// open consumes the { or [ that starts an object or array.
func (r *jsonReader) open() {
	r.kind()
	r.pos++
}

// more reports whether another member or element follows, consuming the
// comma before it or the } or ] that ends the object or array.
func (r *jsonReader) more() bool {
	switch r.kind() {
	case ',':
		r.pos++
		return true
	case '}', ']':
		r.pos++
		return false
	}
	return true
}

// key reads a member's name and the colon after it.
func (r *jsonReader) key() []byte {
	tok, plain := r.stringToken()
	r.kind()
	r.pos++ // ':'
	if plain {
		return tok[1 : len(tok)-1]
	}
	return []byte(unquote(tok))
}

// scalar reads a value as XML would have sent it: a string as its text, a
// number as its literal, true and false as "1" and "0". Objects, arrays and
// null are not scalars: ok is false and the value is skipped.
func (r *jsonReader) scalar() (s string, ok bool) {
	switch r.kind() {
	case '"':
		return r.str(), true
	case 't':
		r.pos += len("true")
		return "1", true
	case 'f':
		r.pos += len("false")
		return "0", true
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(r.literal()), true
	}
	r.skip()
	return "", false
}

// str reads a string value.
func (r *jsonReader) str() string {
	tok, plain := r.stringToken()
	if plain {
		return string(tok[1 : len(tok)-1])
	}
	return unquote(tok)
}

// stringToken moves past the string at the reader and returns it, quotes
// included. plain says whether its text is the bytes between the quotes:
// no escapes and valid UTF-8.
func (r *jsonReader) stringToken() (tok []byte, plain bool) {
	r.kind()
	start := r.pos
	r.skipString()
	tok = r.data[start:r.pos]
	text := tok[1 : len(tok)-1]
	return tok, bytes.IndexByte(text, '\\') < 0 && utf8.Valid(text)
}

// unquote returns the text of a string token that has escapes or invalid
// UTF-8. encoding/json does it, so that the text (replacement characters
// included) is exactly what it gives; such strings are rare.
func unquote(tok []byte) string {
	var s string
	_ = json.Unmarshal(tok, &s)
	return s
}

// skipString moves past the string that starts at the reader.
func (r *jsonReader) skipString() {
	i := r.pos + 1
	for {
		j := bytes.IndexByte(r.data[i:], '"')
		if j < 0 {
			r.pos = len(r.data)
			return
		}
		i += j
		// The quote ends the string unless an odd run of backslashes
		// escapes it.
		n := 0
		for k := i - 1; r.data[k] == '\\'; k-- {
			n++
		}
		i++
		if n%2 == 0 {
			r.pos = i
			return
		}
	}
}

// literal reads a number, true, false or null.
func (r *jsonReader) literal() []byte {
	start := r.pos
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return r.data[start:r.pos]
		}
		r.pos++
	}
	return r.data[start:]
}

// skip moves past the next value and returns, for an object, how many
// members it has.
func (r *jsonReader) skip() (members int) {
	switch r.kind() {
	case '"':
		r.skipString()
	case '{', '[':
		depth := 0
		for r.pos < len(r.data) {
			switch r.data[r.pos] {
			case '"':
				r.skipString()
				continue
			case ':':
				if depth == 1 {
					members++
				}
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					r.pos++
					return members
				}
			}
			r.pos++
		}
	default:
		r.literal()
	}
	return members
}

// decodeXML reads <rsp stat="…"> as a token stream rather than with
// xml.Unmarshal, so that a malformed failure envelope (the documentation's
// own example never closes <rsp>) still yields its message, and so that the
// reader never holds more than one element's attributes at a time.
func decodeXML(body []byte) (*envelope, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	// Upcoming is UTF-8 only; any other declared charset is read as UTF-8
	// rather than refused, since attribute values are what matter.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var (
		env    envelope
		inRsp  bool
		closed bool
		depth  int // depth below <rsp>
	)
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF && closed {
				return &env, nil
			}
			// A failure is usable without its closing tag; a success is not.
			if inRsp && env.Stat == "fail" {
				return &env, nil
			}
			if !inRsp {
				return nil, fmt.Errorf("%w: no <rsp> element", errMalformed)
			}
			return nil, fmt.Errorf("%w: truncated or invalid XML", errMalformed)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !inRsp {
				if closed || t.Name.Local != "rsp" {
					return nil, fmt.Errorf("%w: root element is not <rsp>", errMalformed)
				}
				inRsp = true
				env.Stat = attr(t, "stat")
				continue
			}
			depth++
			if depth != 1 {
				continue
			}
			switch t.Name.Local {
			case "group":
				env.Groups = append(env.Groups, attrs(t))
			case "token":
				env.Tokens = append(env.Tokens, attrs(t))
			case "error":
				if env.Message == "" {
					env.Message = attr(t, "msg")
				}
			}
		case xml.EndElement:
			if !inRsp {
				continue
			}
			if depth == 0 {
				inRsp, closed = false, true
				if env.Stat == "" {
					return nil, fmt.Errorf("%w: <rsp> without stat", errMalformed)
				}
				continue
			}
			depth--
		case xml.CharData:
			if closed && len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("%w: text after </rsp>", errMalformed)
			}
		}
	}
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func attrs(t xml.StartElement) element {
	el := make(element, len(t.Attr))
	for _, a := range t.Attr {
		el[a.Name.Local] = a.Value
	}
	return el
}

// parseInt reads an integer field as either format sends it: "15", 15,
// 15.0 or 1.5e1. Empty or absent is not an integer; neither is a fraction
// or a value outside int64.
func parseInt(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f > math.MaxInt64 || f < math.MinInt64 {
		return 0, false
	}
	return int64(f), true
}

// parseFlag reads a 0/1 flag. Anything but a non-zero integer or "true" is
// false, since the flags only ever restrict (moderation, privacy) and an
// unreadable one is reported as the platform's default.
func parseFlag(s string) bool {
	if n, ok := parseInt(s); ok {
		return n != 0
	}
	return strings.EqualFold(strings.TrimSpace(s), "true")
}
