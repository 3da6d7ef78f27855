package pageseeder

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds arbitrary bodies to every decoder the client runs on an
// upstream answer: the error envelope (XML and JSON), the service documents
// and their conversion to the domain. None may panic or hang; whatever
// decodes must convert.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.*")
	corpus, _ := filepath.Glob("testdata/corpus/*.*")
	files = append(files, corpus...)
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`<error id="0202"><request>/ps/service/groups/1</request><message>Failed @Requires check: missing Group instance</message></error>`,
		`<?xml version="1.0"?><error id="0x102A"><message>The member not found</message></error>`,
		`{"id":"102A","request":"/x","message":"The member not found"}`,
		`{"error":{"id":1022,"message":"The member does not belong to the group"}}`,
		`{"error":"invalid_grant","error_description":"expired"}`,
		`{"id":1,"firstname":"John","surname":"Joans","username":"jjones","status":"activated","fullname":"John Joans"}`,
		`{"id":178,"name":"acme-specs","type":"group","indexversion":"9203","editurls":"true"}`,
		`{"membership":{"id":397,"emailListed":true,"status":"disabled","deleted":true,"group":{"id":178,"name":"acme-specs"}}}`,
		`{"access_token":"a","token_type":"bearer","expires_in":"3600"}`,
		`<html><body>502</body></html>`,
		`{"groups":[{"id":1e400}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = parseEnvelope(body)
		_ = looksLikeXMLError(body)
		_ = classify(svcVisibleGroups, 400, body, []string{"secret-token"})

		var self wireSelf
		if decodeJSON(body, &self) == nil {
			_ = self.member().toUser()
		}
		var ms wireMemberships
		if decodeJSON(body, &ms) == nil {
			for _, m := range ms.Memberships {
				_ = m.former()
				_, _ = m.toMembership("1")
			}
		}
		var vg wireVisibleGroups
		if decodeJSON(body, &vg) == nil {
			for _, g := range vg.Groups {
				_ = g.toGroup(true)
			}
		}
		var gd wireGroupDoc
		if decodeJSON(body, &gd) == nil {
			_ = gd.group().toGroup(true)
		}
		var md wireMembershipDoc
		if decodeJSON(body, &md) == nil {
			m := md.membership()
			_, _ = m.toMembership("1")
		}
		var tr tokenResponse
		if decodeJSON(body, &tr) == nil {
			_, _ = parseSeconds(string(tr.ExpiresIn))
		}
	})
}
