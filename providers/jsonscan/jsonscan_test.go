package jsonscan

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

var seeds = []string{
	``, ` `, `null`, `true`, `false`, `nul`, `truex`, `0`, `-0`, `01`, `1.`, `.5`, `1e5`, `1E+5`, `1e-`, `-`, `+1`, `1.5e3.2`,
	`""`, `"a"`, `"a\"b"`, `"\u00e9\ud83d\ude00"`, `"\ud800"`, `"\u12"`, `"\x"`, "\"\xff\"", "\"é\"", "\"a\x01\"", `"a`, `"\`,
	`[]`, `[1,2]`, `[1,]`, `[,1]`, `[1 2]`, `[`, `]`, `[[[]]]`,
	`{}`, `{"a":1}`, `{"a":1,}`, `{"a" 1}`, `{"a":}`, `{a:1}`, `{"a":1 "b":2}`, `{"a":{"b":[true,false,null,"s\n"]}}`,
	`{"A":1,"a":2}`, `{"a":1,"a":2}`, `{"\u0061":1}`, `{"é":1}`, `{"name":"x","Name":"y"}`, `{"name":null,"n":[1,{"x":{}}]}`,
	` {"name" : "x" , "count" : 5 } `, `{"name":"x"} x`, `{"name":"x"}{}`, `{"name":5}`, `{"count":"5"}`, `{"tags":["a","b"]}`,
	`{"tags":"a"}`, `{"tags":null}`, `{"tags":[null]}`, `{"name":"a\/b"}`, "{\"name\":\"\xfe\"}",
	strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth),
	strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1),
}

func depth(b []byte) int {
	deepest, d := 0, 0
	inString, escaped := false, false
	for _, c := range b {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == '[' || c == '{'):
			d++
			deepest = max(deepest, d)
		case !inString && (c == ']' || c == '}'):
			d--
		}
	}
	return deepest
}

// Skip accepts exactly what encoding/json accepts, up to its depth.
func FuzzSkipAgreesWithEncodingJSON(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(b)
		got := r.Skip() && r.End()
		want := json.Valid(b)
		if got && !want {
			t.Fatalf("Skip accepts %q, which encoding/json rejects", b)
		}
		if want && !got && depth(b) <= maxDepth {
			t.Fatalf("Skip rejects %q, which encoding/json accepts", b)
		}
		if want {
			r := NewValidReader(b)
			if !r.Skip() || !r.End() {
				t.Fatalf("a valid Reader's Skip rejects %q, which encoding/json accepts", b)
			}
		}
	})
}

// String decodes what encoding/json decodes, and PlainString agrees.
func FuzzStringAgreesWithEncodingJSON(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want string
		werr := json.Unmarshal(b, &want)
		r := NewReader(b)
		got, ok := r.String()
		ok = ok && r.End()
		if ok && (werr != nil || got != want) {
			t.Fatalf("String(%q) = %q; encoding/json: %q, %v", b, got, want, werr)
		}
		if !ok && werr == nil && len(b) > 0 && b[0] == '"' {
			t.Fatalf("String(%q) failed; encoding/json: %q", b, want)
		}
		if p, ok := PlainString(b); ok && (werr != nil || string(p) != want) {
			t.Fatalf("PlainString(%q) = %q; encoding/json: %q, %v", b, p, want, werr)
		}
		if ValidNumber(b) {
			var n json.Number
			if err := json.Unmarshal(b, &n); err != nil || string(n) != string(b) {
				t.Fatalf("ValidNumber(%q), but encoding/json: %q, %v", b, n, err)
			}
		}
	})
}

// members reads an object with Members as a map of each key's last value,
// as its text.
func members(r *Reader) (map[string]string, bool) {
	m := map[string]string{}
	ok := r.Members(func(key []byte) bool {
		v, ok := r.Value()
		m[string(key)] = string(v)
		return ok
	})
	return m, ok
}

// Members reads what encoding/json reads into a map, and reads it whenever
// encoding/json does, up to maxDepth.
func FuzzMembersAgreesWithEncodingJSON(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	for _, s := range []string{
		`{"a":1,"a":[2]}`, `{"\u0061":1,"a":2}`, `{"a\"b":1,"a\\":2,"\/":3}`, `{"\ud800":1,"\ufffd":2}`, "{\"\xff\":1,\"\xfe\":2}",
		`{"é":"x","\u00e9":"y"}`, `{"a":{"a":1},"b":[{"c":2}]}`, `{"":null}`, "{\"a\x01\":1}", `{"\x":1}`, `{"a":1}}`, `{"\u12":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var raw map[string]json.RawMessage
		werr := json.Unmarshal(b, &raw)
		r := NewReader(b)
		got, ok := members(&r)
		ok = ok && r.End()
		if ok {
			want := map[string]string{}
			for k, v := range raw {
				want[k] = string(v)
			}
			if werr != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("Members(%q) = %q; encoding/json: %q, %v", b, got, want, werr)
			}
		}
		if !ok && werr == nil && raw != nil && depth(b) <= maxDepth {
			t.Fatalf("Members(%q) failed; encoding/json: %q", b, raw)
		}
	})
}

func TestMembersTakesEveryKey(t *testing.T) {
	r := NewReader([]byte(` { "a" : 1 , "\u0061" : "x" , "nämé" : null , "\ud800\n" : [ ] , "a" : {"b":2} } `))
	var keys, values []string
	ok := r.Members(func(key []byte) bool {
		v, ok := r.Value()
		keys, values = append(keys, string(key)), append(values, string(v))
		return ok
	})
	if !ok || !r.End() {
		t.Fatalf("Members failed")
	}
	wantKeys := []string{"a", "a", "nämé", "\ufffd\n", "a"}
	wantValues := []string{"1", `"x"`, "null", "[ ]", `{"b":2}`}
	if !reflect.DeepEqual(keys, wantKeys) || !reflect.DeepEqual(values, wantValues) {
		t.Errorf("Members gave keys %q and values %q, want %q and %q", keys, values, wantKeys, wantValues)
	}
	r = NewReader([]byte(`{"a":1,"b":2}`))
	if r.Members(func(key []byte) bool { return string(key) == "a" && r.Skip() }) {
		t.Errorf("Members reported true after member reported false")
	}
}

func TestValidReaderFollowsAnyNesting(t *testing.T) {
	deep := `{"a":` + strings.Repeat("[{\"b\":", 2*maxDepth) + "1" + strings.Repeat("}]", 2*maxDepth) + `,"c":2}`
	if !json.Valid([]byte(deep)) {
		t.Fatal("test input is not valid JSON")
	}
	r := NewReader([]byte(deep))
	if r.Skip() {
		t.Errorf("Skip follows %d levels, want it to stop at %d", 4*maxDepth+1, maxDepth)
	}
	r = NewValidReader([]byte(deep))
	var c []byte
	ok := r.Members(func(key []byte) bool {
		if string(key) == "c" {
			var ok bool
			c, ok = r.Value()
			return ok
		}
		return r.Skip()
	})
	if !ok || !r.End() || string(c) != "2" {
		t.Errorf("a valid Reader gave %v, %q; want the member after the deep one", ok, c)
	}
}

type sample struct {
	Name  string   `json:"name"`
	Count *int     `json:"count"`
	Tags  []string `json:"tags"`
}

var sampleFields = []Field[sample]{
	{"name", func(r *Reader, v *sample) bool {
		if r.Peek() == 'n' {
			return r.Null()
		}
		s, ok := r.String()
		v.Name = s
		return ok
	}},
	{"count", func(r *Reader, v *sample) bool {
		if r.Peek() == 'n' {
			return r.Null()
		}
		b, ok := r.Value()
		if !ok {
			return false
		}
		var n int
		if json.Unmarshal(b, &n) != nil {
			return false
		}
		v.Count = &n
		return true
	}},
	{"tags", func(r *Reader, v *sample) bool {
		if r.Peek() == 'n' {
			return r.Null()
		}
		v.Tags = []string{}
		return r.Array(func() bool {
			s, ok := r.String()
			v.Tags = append(v.Tags, s)
			return ok
		})
	}},
}

// ReadObject decodes what encoding/json decodes, when it decodes.
func FuzzReadObjectAgreesWithEncodingJSON(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var got, want sample
		r := NewReader(b)
		if !ReadObject(&r, &got, sampleFields) || !r.End() {
			return
		}
		if err := json.Unmarshal(b, &want); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("ReadObject(%q) = %+v; encoding/json: %+v, %v", b, got, want, err)
		}
	})
}

func TestReadObjectLeavesTheUnusualToEncodingJSON(t *testing.T) {
	for _, s := range []string{
		`{"Name":"x"}`, `{"name":"x","name":"y"}`, `{"\u006eame":"x"}`, `{"nämé":"x"}`, `{"name":5}`,
		`{"name":"x",}`, `[]`, `{"x":` + strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1) + `}`,
	} {
		var v sample
		r := NewReader([]byte(s))
		if ReadObject(&r, &v, sampleFields) && r.End() {
			t.Errorf("ReadObject(%s) = %+v, want it left to encoding/json", s, v)
		}
	}
	var v sample
	r := NewReader([]byte(` {"name" : "a\u00e9" , "other":{"Name":[1,-2.5e3,"\/"]}, "tags":["x"], "count":3} `))
	if !ReadObject(&r, &v, sampleFields) || !r.End() || v.Name != "aé" || *v.Count != 3 || len(v.Tags) != 1 {
		t.Errorf("ReadObject = %+v", v)
	}
}
