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

	"github.com/groupgraph/groupgraph/providers/jsonscan"
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
// The body is checked once (json.Valid) and then walked once with a
// jsonscan.Reader, decoding only the members the client reads straight into
// the envelope. The rules are those of reading each object as a
// map[string]json.RawMessage: keys match exactly (after unescaping), the last
// of repeated members counts, strings are unescaped as encoding/json does,
// and values nest as deep as json.Valid allows.
func decodeJSON(body []byte) (*envelope, error) {
	if !json.Valid(body) {
		// Unmarshal makes the same check and says where it failed.
		return nil, fmt.Errorf("%w: %s", errMalformed, jsonProblem(json.Unmarshal(body, new(any))))
	}
	r := jsonscan.NewValidReader(body)
	rsp := &rspMembers{}
	switch r.Peek() {
	case '{':
		if !readRsp(&r, rsp, true) {
			// The reader accepts whatever json.Valid does, so this
			// cannot happen; it is an error rather than half an answer.
			return nil, fmt.Errorf("%w: unreadable JSON", errMalformed)
		}
	case 'n':
		// null reads as an empty object, which has no stat.
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

// readRsp reads the object at r into f. top says whether it is the
// document itself, whose rsp member (if any) is the envelope.
func readRsp(r *jsonscan.Reader, f *rspMembers, top bool) bool {
	return r.Members(func(key []byte) bool {
		switch string(key) {
		case "rsp":
			if !top {
				return r.Skip()
			}
			f.hasRsp, f.rsp = true, nil
			if r.Peek() != '{' {
				return r.Skip()
			}
			f.rsp = &rspMembers{}
			return readRsp(r, f.rsp, false)
		case "stat":
			f.stat, f.statBad = "", false
			switch r.Peek() {
			case '"':
				var ok bool
				f.stat, ok = r.String()
				return ok
			case 'n':
				return r.Null()
			}
			f.statBad = true
			return r.Skip()
		case "group":
			return readElements(r, &f.groups, &f.groupErr)
		case "token":
			return readElements(r, &f.tokens, &f.tokenErr)
		case "error":
			return readError(r, f)
		case "msg":
			var ok bool
			f.msg, ok = scalar(r)
			return ok
		case "message":
			var ok bool
			f.message, ok = scalar(r)
			return ok
		}
		return r.Skip()
	})
}

// errNotObjects is what is wrong with a group or token member that is
// neither an object, an array of objects (and nulls) nor null.
var errNotObjects = errors.New("not an array of objects")

// readElements reads a list of flat objects into els, or what is wrong
// with it into err. JSON output turns repeated XML elements into arrays; a
// lone element may come as a bare object, so both are read. null means
// none, and so do null entries of an array.
func readElements(r *jsonscan.Reader, els *[]element, err *error) bool {
	*els, *err = nil, nil
	switch r.Peek() {
	case 'n':
		return r.Null()
	case '{':
		el, ok := readElement(r, new([]member))
		*els = []element{el}
		return ok
	case '[':
		list, bad := []element{}, false
		var scratch []member
		ok := r.Array(func() bool {
			switch r.Peek() {
			case '{':
				el, ok := readElement(r, &scratch)
				list = append(list, el)
				return ok
			case 'n':
				return r.Null()
			}
			bad = true
			return r.Skip()
		})
		if bad {
			*err = errNotObjects
		} else {
			*els = list
		}
		return ok
	}
	*err = errNotObjects
	return r.Skip()
}

// readElement reads one flat object. Its scalars are kept as scalar
// renders them; a member that is an object, an array or null is absent.
// The members are read into scratch first, so that the map is made once,
// at its size.
func readElement(r *jsonscan.Reader, scratch *[]member) (element, bool) {
	ms := (*scratch)[:0]
	if ms == nil {
		// Enough for the members of any element Upcoming sends.
		ms = make([]member, 0, 16)
	}
	ok := r.Members(func(key []byte) bool {
		m := member{key: fieldName(key), absent: !isScalar(r.Peek())}
		var ok bool
		if m.absent {
			ok = r.Skip()
		} else {
			m.value, ok = scalar(r)
		}
		ms = append(ms, m)
		return ok
	})
	*scratch = ms
	el := make(element, len(ms))
	for _, m := range ms {
		if m.absent {
			delete(el, m.key)
		} else {
			el[m.key] = m.value
		}
	}
	return el, ok
}

// member is a member of an element as readElement reads it: its value
// as scalar renders it, unless it is not a scalar and leaves the field
// absent.
type member struct {
	key, value string
	absent     bool
}

// readError reads the error member of a failure into f: a scalar is the
// message as it is; objects give their first non-empty msg or message, and
// null gives none.
func readError(r *jsonscan.Reader, f *rspMembers) bool {
	f.errMsg, f.hasErrMsg = "", false
	switch r.Peek() {
	case '{', '[':
		var els []element
		var err error
		if !readElements(r, &els, &err) {
			return false
		}
		for _, el := range els {
			for _, k := range [...]string{"msg", "message"} {
				if m := el[k]; m != "" {
					f.errMsg, f.hasErrMsg = m, true
					return true
				}
			}
		}
		return true
	case 'n':
		return r.Null()
	}
	f.hasErrMsg = true
	var ok bool
	f.errMsg, ok = scalar(r)
	return ok
}

// isScalar reports whether the value that starts with c is a scalar: a
// string, a number, true or false rather than an object, an array or null.
func isScalar(c byte) bool { return c != '{' && c != '[' && c != 'n' }

// scalar reads a value as XML would have sent it: a string as its text, a
// number as its literal, true and false as "1" and "0". A value that is not
// a scalar (see isScalar) is read and gives "". ok is the reader's.
func scalar(r *jsonscan.Reader) (s string, ok bool) {
	switch c := r.Peek(); {
	case c == '"':
		return r.String()
	case !isScalar(c):
		return "", r.Skip()
	}
	v, ok := r.Value()
	switch {
	case !ok:
		return "", false
	case v[0] == 't':
		return "1", true
	case v[0] == 'f':
		return "0", true
	}
	return string(v), true
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

// parseFlag reads a 0/1 flag: a number (non-zero is true), true or false;
// nil when the platform sent nothing, a blank or another word, so that an
// unknown flag is never reported as the platform's default.
func parseFlag(s string) *bool {
	var v bool
	if n, ok := parseInt(s); ok {
		v = n != 0
		return &v
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		v = true
	case "false":
	default:
		return nil
	}
	return &v
}
