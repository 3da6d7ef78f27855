package flickrtest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
)

// node is one XML element of a response. Both output formats are rendered
// from it with Flickr's own XML-to-JSON rules (response.json.html): an
// attribute becomes a member, a text node becomes "_content", repeated
// children become an array. Values are strings or ints: XML writes both as
// text, JSON writes ints as numbers, which is how real Flickr JSON comes to
// mix "126776" and 1 in the same field.
type node struct {
	name  string
	attrs []attr
	text  any // nil, string or int
	kids  []*node
	// lists names children that are always a JSON array, even when there
	// is only one (people.getGroups' group).
	lists []string
}

type attr struct {
	k string
	v any // string or int
}

func el(name string, attrs ...attr) *node { return &node{name: name, attrs: attrs} }

func textEl(name string, text any) *node { return &node{name: name, text: text} }

func (n *node) add(kids ...*node) *node {
	n.kids = append(n.kids, kids...)
	return n
}

func a(k string, v any) attr { return attr{k, v} }

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

func scalarText(v any) string {
	switch v := v.(type) {
	case int:
		return strconv.Itoa(v)
	case string:
		return v
	}
	return ""
}

func (n *node) writeXML(b *bytes.Buffer, indent string) {
	b.WriteString(indent + "<" + n.name)
	for _, at := range n.attrs {
		b.WriteString(" " + at.k + `="`)
		_ = xml.EscapeText(b, []byte(scalarText(at.v)))
		b.WriteString(`"`)
	}
	if n.text == nil && len(n.kids) == 0 {
		b.WriteString(" />\n")
		return
	}
	b.WriteString(">")
	if n.text != nil {
		_ = xml.EscapeText(b, []byte(scalarText(n.text)))
	}
	if len(n.kids) > 0 {
		b.WriteString("\n")
		for _, k := range n.kids {
			k.writeXML(b, indent+"\t")
		}
		b.WriteString(indent)
	}
	b.WriteString("</" + n.name + ">\n")
}

func writeJSONScalar(b *bytes.Buffer, v any) {
	out, _ := json.Marshal(v)
	b.Write(out)
}

// writeJSONMembers writes n's attributes, text and children as members of
// an object whose braces the caller writes.
func (n *node) writeJSONMembers(b *bytes.Buffer) {
	first := true
	sep := func() {
		if !first {
			b.WriteByte(',')
		}
		first = false
	}
	for _, at := range n.attrs {
		sep()
		writeJSONScalar(b, at.k)
		b.WriteByte(':')
		writeJSONScalar(b, at.v)
	}
	if n.text != nil {
		sep()
		b.WriteString(`"_content":`)
		writeJSONScalar(b, n.text)
	}
	var order []string
	groups := map[string][]*node{}
	for _, k := range n.kids {
		if _, ok := groups[k.name]; !ok {
			order = append(order, k.name)
		}
		groups[k.name] = append(groups[k.name], k)
	}
	for _, name := range n.lists {
		if _, ok := groups[name]; !ok {
			order = append(order, name)
			groups[name] = nil
		}
	}
	for _, name := range order {
		sep()
		writeJSONScalar(b, name)
		b.WriteByte(':')
		kids := groups[name]
		asList := len(kids) != 1
		for _, l := range n.lists {
			asList = asList || l == name
		}
		if !asList {
			kids[0].writeJSON(b)
			continue
		}
		b.WriteByte('[')
		for i, k := range kids {
			if i > 0 {
				b.WriteByte(',')
			}
			k.writeJSON(b)
		}
		b.WriteByte(']')
	}
}

func (n *node) writeJSON(b *bytes.Buffer) {
	b.WriteByte('{')
	n.writeJSONMembers(b)
	b.WriteByte('}')
}

// format is how a response is written: Flickr's format=rest XML, or JSON,
// wrapped in a JSONP callback unless nojsoncallback=1.
type format struct {
	json     bool
	callback string // empty: plain JSON
}

// formatOf reads format, nojsoncallback and jsoncallback. ok is false for a
// format Flickr does not know.
func formatOf(ps params) (format, bool) {
	switch ps.get("format") {
	case "", "rest":
		return format{}, true
	case "json":
		f := format{json: true, callback: "jsonFlickrApi"}
		if ps.get("nojsoncallback") == "1" {
			f.callback = ""
		} else if cb := ps.get("jsoncallback"); validCallback(cb) {
			f.callback = cb
		}
		return f, true
	}
	return format{}, false
}

func validCallback(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c == '$' || c == '.' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')) {
			return false
		}
	}
	return true
}

// writeOK writes a success envelope around payload (nil for the empty
// success of groups.leave).
func writeOK(w http.ResponseWriter, f format, payload *node) {
	rsp := el("rsp", a("stat", "ok"))
	if payload != nil {
		rsp.add(payload)
	}
	write(w, f, rsp, func(b *bytes.Buffer) {
		b.WriteByte('{')
		if payload != nil {
			writeJSONScalar(b, payload.name)
			b.WriteByte(':')
			payload.writeJSON(b)
			b.WriteByte(',')
		}
		b.WriteString(`"stat":"ok"}`)
	})
}

// writeFailure writes Flickr's failure envelope: HTTP 200, stat=fail.
func writeFailure(w http.ResponseWriter, f format, code int, msg string) {
	rsp := el("rsp", a("stat", "fail")).add(el("err", a("code", code), a("msg", msg)))
	write(w, f, rsp, func(b *bytes.Buffer) {
		b.WriteString(`{"stat":"fail","code":`)
		writeJSONScalar(b, code)
		b.WriteString(`,"message":`)
		writeJSONScalar(b, msg)
		b.WriteByte('}')
	})
}

func write(w http.ResponseWriter, f format, rsp *node, writeJSON func(*bytes.Buffer)) {
	var b bytes.Buffer
	switch {
	case !f.json:
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		b.WriteString("<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n")
		rsp.writeXML(&b, "")
	case f.callback == "":
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		writeJSON(&b)
	default:
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		b.WriteString(f.callback + "(")
		writeJSON(&b)
		b.WriteString(")")
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
}
