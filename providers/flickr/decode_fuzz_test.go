package flickr

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeREST feeds arbitrary bodies to the response decoder and the
// conversions after it: whatever Flickr (or something in front of it)
// sends, the result is a classified problem or a value, never a panic.
// Its corpus is the recorded and seed payloads in testdata.
func FuzzDecodeREST(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*"))
	corpus, _ := filepath.Glob(filepath.Join("testdata", "corpus", "*.*"))
	files = append(files, corpus...)
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) < 1<<16 {
			f.Add(b)
		}
	}
	for _, s := range []string{
		`{"stat":"fail","code":"98","message":{"_content":"x"}}`,
		`{"stat":"ok","groups":{"group":""}}`,
		`{"stat":"ok","group":{"members":{"_content":{"_content":1}}}}`,
		`oauth_problem=signature_invalid&debug_sbs=GET`,
		`<html><body>503</body></html>`,
		`jsonFlickrApi({"stat":"ok"})`,
		`{"stat":"ok","group":{"iconfarm":1e400,"members":"-0.0"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		check := func(p *decodeProblem) {
			if p != nil && (p.kind == nil || p.apiErr == nil || p.apiErr.Error() == "") {
				t.Fatalf("unclassified problem for %q", body)
			}
		}
		var groups groupsResponse
		if p := decodeREST(methodGetGroups, body, &groups); p == nil {
			for _, g := range groups.Groups.Group {
				_ = g.group()
			}
		} else {
			check(p)
		}
		var info infoResponse
		if p := decodeREST(methodGetInfo, body, &info); p == nil {
			_ = info.Group.group("1@N01")
		} else {
			check(p)
		}
		var login testLoginResponse
		check(decodeREST(methodTestLogin, body, &login))
		check(decodeREST(methodLeave, body, nil))
	})
}
