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
func decodeJSON(body []byte) (*envelope, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, fmt.Errorf("%w: %s", errMalformed, jsonProblem(err))
	}
	rsp := top
	if raw, ok := top["rsp"]; ok {
		rsp = nil
		if err := json.Unmarshal(raw, &rsp); err != nil || rsp == nil {
			return nil, fmt.Errorf("%w: rsp is not an object", errMalformed)
		}
	}
	env := &envelope{}
	if raw, ok := rsp["stat"]; ok {
		if err := json.Unmarshal(raw, &env.Stat); err != nil {
			return nil, fmt.Errorf("%w: stat is not a string", errMalformed)
		}
	}
	if env.Stat == "" {
		return nil, fmt.Errorf("%w: no stat", errMalformed)
	}
	var err error
	if env.Groups, err = jsonElements(rsp["group"]); err != nil {
		return nil, fmt.Errorf("%w: group: %v", errMalformed, err)
	}
	if env.Tokens, err = jsonElements(rsp["token"]); err != nil {
		return nil, fmt.Errorf("%w: token: %v", errMalformed, err)
	}
	env.Message = jsonMessage(rsp)
	return env, nil
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

// jsonElements reads a list of flat objects. JSON output turns repeated XML
// elements into arrays; a lone element may come as a bare object, so both are
// read. Absent and null mean none.
func jsonElements(raw json.RawMessage) ([]element, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var objs []map[string]json.RawMessage
	if raw[0] == '{' {
		var one map[string]json.RawMessage
		if err := json.Unmarshal(raw, &one); err != nil {
			return nil, errors.New("not an object")
		}
		objs = append(objs, one)
	} else if err := json.Unmarshal(raw, &objs); err != nil {
		return nil, errors.New("not an array of objects")
	}
	els := make([]element, 0, len(objs))
	for _, o := range objs {
		if o == nil {
			continue
		}
		el := make(element, len(o))
		for k, v := range o {
			if s, ok := jsonScalar(v); ok {
				el[k] = s
			}
		}
		els = append(els, el)
	}
	return els, nil
}

// jsonScalar renders a JSON scalar as XML would have sent it. Objects,
// arrays and null are not scalars: the field is treated as absent, and a
// required field's absence is reported by whoever needs it.
func jsonScalar(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	case 't':
		return "1", string(raw) == "true"
	case 'f':
		return "0", string(raw) == "false"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		var n json.Number
		if json.Unmarshal(raw, &n) != nil {
			return "", false
		}
		return n.String(), true
	}
	return "", false
}

// jsonMessage finds a failure's message wherever a server put it.
func jsonMessage(rsp map[string]json.RawMessage) string {
	if raw, ok := rsp["error"]; ok {
		raw = bytes.TrimSpace(raw)
		if s, ok := jsonScalar(raw); ok {
			return s
		}
		if els, err := jsonElements(raw); err == nil {
			for _, el := range els {
				for _, k := range []string{"msg", "message"} {
					if m := el[k]; m != "" {
						return m
					}
				}
			}
		}
	}
	for _, k := range []string{"msg", "message"} {
		if s, ok := jsonScalar(rsp[k]); ok && s != "" {
			return s
		}
	}
	return ""
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
