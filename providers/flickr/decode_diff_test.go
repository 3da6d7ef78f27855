package flickr

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/groupgraph/groupgraph/providers/jsonscan/jsonscantest"
)

func sameProblem(got, want *decodeProblem) bool {
	if got == nil || want == nil {
		return got == want
	}
	return got.kind == want.kind && reflect.DeepEqual(got.apiErr, want.apiErr)
}

// referenceSeeds are bodies at the edges of what the decoders tolerate.
var referenceSeeds = []string{
	`{"stat":"ok","groups":{"group":[{"nsid":"a\u0041","name":"x\/y \u00e9","iconfarm":"1.0","admin":"yes","members":" 12"}]}}`,
	`{"stat":"ok","stat":"fail","code":1}`,
	`{"stat":"fail","stat":"ok","groups":{"group":[]}}`,
	`{"stat":"ok","groups":{"group":[{"nsid":"a","name":"n","throttle":{"count":1}}],"group":[{"nsid":"b","throttle":{"mode":"day"}}]}}`,
	`{"stat":"ok","groups":{"group":{"nsid":"a"}},"groups":{"group":[{"name":"b"}]}}`,
	`{"STAT":"ok","Groups":{"GROUP":{"NSID":"x","Admin":1,"pRivacy":{"_CONTENT":2}}}}`,
	`{"stat":"ok","groups":{"group":[{"privacy":{"_content":"3","x":1}},{"privacy":{"_CONTENT":2}},{"privacy":{}},{"privacy":{"_content":null}},{"privacy":{"_content":{"_content":1}}}]}}`,
	`{"stat":"ok","groups":{"group":[{"privacy":{"_content":[1]}}]}}`,
	`{"stat":"ok","groups":{"group":[{"privacy":{"_content":1,"_content":2}}]}}`,
	`{"stat":"ok","groups":{"group":[{"privacy":{ "_content" : "2" }},{"privacy":{"_content":true}},{"privacy":{"_content":"x\"y"}}]}}`,
	`{"stat":"ok","groups":{"group":[{"iconfarm":-0},{"iconfarm":1e3},{"iconfarm":"1e3"},{"iconfarm":"-7"},{"iconfarm":"+7"},{"iconfarm":1.5}]}}`,
	`{"stat":"ok","groups":{"group":[{"iconfarm":01}]}}`,
	`{"stat":"ok","groups":{"group":[{"iconfarm":99999999999999999999}]}}`,
	`{"stat":"ok","groups":{"group":[{"iconfarm":"99999999999999999999"}]}}`,
	`{"stat":"ok","groups":{"group":[{"admin":true},{"admin":"true"},{"admin":"Yes "},{"admin":" 1"},{"admin":"2"},{"admin":"-1"},{"admin":false},{"admin":null}]}}`,
	`{"stat":"ok","groups":{"group":[{"admin":"x"}]}}`,
	`{"stat":"ok","groups":{"group":[{"admin":[]}]}}`,
	"{\"stat\":\"ok\",\"groups\":{\"group\":[{\"name\":\"bad \xff utf8\",\"nsid\":\"\\ud800\"}]}}",
	"{\"stat\":\"ok\",\"groups\":{\"group\":[{\"name\":\"tab\tinside\"}]}}",
	` { "stat" : "ok" , "groups" : { "group" : [ { "nsid" : "1@N01" , "members" : 5 } ] } } `,
	`{"stat":"ok","groups":{"group":""}}`,
	`{"stat":"ok","groups":{"group":"x"}}`,
	`{"stat":"ok","groups":{"group":5}}`,
	`{"stat":"ok","groups":null}`,
	`{"stat":"ok","groups":{"group":{"throttle":{"count":"2"},"restrictions":{"photos_ok":"1"}}}}`,
	`{"stat":"ok","groups":{"group":null}}`,
	`{"stat":"ok","groups":{"group":[null,{"nsid":"a"}]}}`,
	`{"stat":"ok","groups":{"group":[{"throttle":null,"restrictions":{"photos_ok":"no","has_geo":"YES"}}]}}`,
	`{"stat":["ok"]}`,
	`{"stat":{"_content":"ok"},"user":{"id":{"_content":"1@N01"},"username":{"_content":"b"}}}`,
	`{"stat":"ok","code":"x"}`,
	`{"stat":"fail","code":"98","message":{"_content":"Invalid auth token"}}`,
	`{"stat":"fail","code":1.0,"message":5}`,
	`{"stat":"fail","code":"1e2","message":true}`,
	`{"stat":"ok","group":{"name":{"_content":"N"},"description":{"_content":"D"},"members":{"_content":"12"},"is_member":1,"is_admin":null,"roles":{"member":"M"}}}`,
	`jsonFlickrApi({"stat":"ok","user":{"id":"1@N01","username":{"_content":"x"}}})`,
	`{"stat":"ok"} x`,
	`{"stat":"ok",}`,
	`{"stat":"ok","groups":{"group":[{"nsid":"a"},]}}`,
	`{"stat":"ok","groups":{"group":[{"nsid":"a" "name":"b"}]}}`,
	`{"stat":"ok","groups":{"group":[{"nsid":nul}]}}`,
	`{"stat":"ok","groups":{"group":[{"nsid":tru}]}}`,
	`{"stat":"ok","groups":{"group":[{"nsid":"a","extra":{"deep":[1,{"x":[true,false,null,"s\n"]}],"e":-1.5e-3}}]}}`,
	`{"stat":"ok","groups":{"group":[{"nsid":"a","extra":[1,2,}]}}`,
	`{"stat":"ok","groups":{"group":[{"nsid":"a","extra":"\x"}]}}`,
	`{"stat":"ok","groups":{"group":[{"nsid":"a","\u006esid":"b"}]}}`,
	`{"stat":"ok","groups":{"group":[{"nſid":"a"}]}}`,
	`{"stat":"ok","groups":{"group":[{"nsid":"a"}]},"x":[}`,
	`null`,
	`{}`,
	``,
	// Single values, for the flex types on their own.
	`"abc"`, ` "abc" `, `"a\"b"`, `"\u00e9\ud83d\ude00"`, "\"\xe9\"", `"é"`, "\"a\x01\"", `"abc`, `"abc" "d"`, `""`,
	`12`, `-0`, `1.`, `-`, `1e`, `1e+`, `0.5e-7`, `007`, `12 `, `1 2`, `"12"`, `" 12 "`, `"0x1F"`, `"2147483648.0"`,
	`true`, `false`, `tru`, `trueish`, `null`, `nul`, `none`, `"yes"`, `"NO"`, `" true "`,
	`{"_content":1}`, `{"_content":"x"} `, `{ "_content" : "1" }`, `{"_content":nul}`, `{"_content":tru}`, `{"_content":1,}`,
	`{"_content":"a","b":2}`, `{"b":2}`, `{"_content":{}}`, `{"_content":[]}`, `{"_Content":"x"}`, `{"\u005fcontent":"x"}`,
	`{"_content":"x"}}`, `{"_content":"x"`, `{"_content":-}`, `{"_content":""}`, `{"_content":"\n"}`,
	`[]`, `[{"nsid":"a"}]`, `[1]`, `{"nsid":"a"}`, `"x"`, `5`, `[`, `{`,
}

func FuzzDecodeMatchesReference(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*"))
	corpus, _ := filepath.Glob(filepath.Join("testdata", "corpus", "*.*"))
	files = append(files, corpus...)
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) < 1<<16 {
			f.Add(b)
		}
	}
	for _, s := range append(referenceSeeds, usualAnswers...) {
		f.Add([]byte(s))
	}
	f.Add(membershipsBody(f, 3))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, c := range []struct {
			method   string
			got, ref any
		}{
			{methodGetGroups, &groupsResponse{}, &refGroupsResponse{}},
			{methodGetInfo, &infoResponse{}, &refInfoResponse{}},
			{methodTestLogin, &testLoginResponse{}, &refTestLoginResponse{}},
			{methodLeave, nil, nil},
		} {
			p, rp := decodeREST(c.method, bytes.Clone(body), c.got), refDecodeREST(c.method, bytes.Clone(body), c.ref)
			if !sameProblem(p, rp) {
				t.Fatalf("%s: problem %+v, the reference's %+v", c.method, p, rp)
			}
			if p == nil && c.got != nil && !jsonscantest.SameValues(c.got, c.ref) {
				t.Fatalf("%s: decoded %+v, the reference %+v", c.method, c.got, c.ref)
			}
		}
		// The flex types one by one, on any bytes, not only on the
		// values encoding/json has checked.
		var s flexString
		var rs refFlexString
		if err, rerr := s.UnmarshalJSON(body), rs.UnmarshalJSON(body); (err == nil) != (rerr == nil) || err == nil && string(s) != string(rs) {
			t.Fatalf("flexString: %q, %v; the reference %q, %v", s, err, rs, rerr)
		}
		var n flexInt
		var rn refFlexInt
		if err, rerr := n.UnmarshalJSON(body), rn.UnmarshalJSON(body); (err == nil) != (rerr == nil) || err == nil && int(n) != int(rn) {
			t.Fatalf("flexInt: %d, %v; the reference %d, %v", n, err, rn, rerr)
		}
		var l list[listedGroup]
		var rl refList[refListedGroup]
		if err, rerr := l.UnmarshalJSON(body), rl.UnmarshalJSON(body); (err == nil) != (rerr == nil) || err == nil && !jsonscantest.SameValues(l, rl) {
			t.Fatalf("list: %+v, %v; the reference %+v, %v", l, err, rl, rerr)
		}
	})
}

// The one-pass readers know every field encoding/json knows, so that none
// is skipped as unknown.
func TestReadersNameEveryField(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want []string
	}{
		{"getGroups answer", jsonscantest.FieldNames(groupsAnswerFields), jsonscantest.JSONNames(reflect.TypeFor[envelope](), reflect.TypeFor[groupsResponse]())},
		{"groups", jsonscantest.FieldNames(groupsFields), jsonscantest.JSONNames(reflect.TypeFor[groupsResponse]().Field(0).Type)},
		{"listedGroup", jsonscantest.FieldNames(listedGroupFields), jsonscantest.JSONNames(reflect.TypeFor[listedGroup]())},
		{"wireThrottle", jsonscantest.FieldNames(throttleFields), jsonscantest.JSONNames(reflect.TypeFor[wireThrottle]())},
		{"wireRestrict", jsonscantest.FieldNames(restrictFields), jsonscantest.JSONNames(reflect.TypeFor[wireRestrict]())},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: the reader knows %q, the type %q", c.name, c.got, c.want)
		}
	}
}

// usualAnswers are getGroups answers of the shapes the one-pass reader
// reads.
var usualAnswers = []string{
	`{"stat":"ok","groups":{"group":[]}}`,
	`{"stat":"ok","groups":{"group":""}}`,
	`{"stat":"ok","groups":{"group":null},"code":0,"message":""}`,
	`{"stat":"ok","groups":null}`,
	`{"stat":"ok","groups":{"group":[null,{"nsid":"a\u0041","name":"\u00e9t\u00e9","members":null,"privacy":{"_content":null}}]}}`,
	`{"groups":{"page":1,"group":{"nsid":"1@N01","throttle":null,"restrictions":{}}},"stat":"ok","extra":{"x":[1,"2",{"y":null}]}}`,
}

// The usual answers take the one-pass path (and so the comparison with the
// reference covers it).
func TestUsualAnswersAreReadInOnePass(t *testing.T) {
	bodies := map[string][]byte{"simulator": membershipsBody(t, 3)}
	for _, name := range []string{"getGroups_seed.json", "getGroups_extras.json", "getGroups_single.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		bodies[name] = b
	}
	for _, s := range usualAnswers {
		bodies[s] = []byte(s)
	}
	for name, b := range bodies {
		var r groupsResponse
		if !r.readOK(bytes.TrimSpace(b)) {
			t.Errorf("%s: not read in one pass", name)
		}
	}
}
