package pageseeder

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// refFlexString is flexString as it was before its fast paths: every
// string and number went through json.Unmarshal. It is kept as the
// specification flexString must match.
type refFlexString string

func (f *refFlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = refFlexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("want a string or a number")
	}
	*f = refFlexString(n.String())
	return nil
}

// refDecodeJSON is decodeJSON as it was before it tried json.Unmarshal
// first: always a json.Decoder, which copies the body into its own buffer.
func refDecodeJSON(b []byte, v any) error {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return errors.New("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(v); err != nil {
		return safeJSONError(err)
	}
	if dec.More() {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

func sameError(a, b error) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Error() == b.Error())
}

// FuzzFlexStringMatchesReference checks flexString against
// refFlexString on any input, including ones encoding/json would never pass
// it: the same text, or the same error and an untouched value.
func FuzzFlexStringMatchesReference(f *testing.F) {
	for _, s := range []string{
		`null`, ` null `, `nul`, `""`, `"x"`, `"a\"b"`, `"\u00e9\ud83d\ude00\ud800"`, "\"\xff\"", "\"a\x01\"", `"a"b"`, `"abc`, `"`,
		`0`, `-1`, `1.5e+3`, `01`, `1.`, `-`, `1 2`, ` 7 `, `true`, `false`, `{}`, `[1]`, ``, `x`, "\"\u2028\"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want, got := refFlexString("before"), flexString("before")
		wantErr, gotErr := want.UnmarshalJSON(b), got.UnmarshalJSON(b)
		if !sameError(wantErr, gotErr) || string(want) != string(got) {
			t.Fatalf("UnmarshalJSON(%q) = %q, %v; want %q, %v", b, got, gotErr, want, wantErr)
		}
	})
}

// FuzzDecodeJSONMatchesReference checks decodeJSON against refDecodeJSON
// for every document the client decodes: the same error, and the same
// value even when there is an error, since a best-effort answer is used as
// far as it decoded.
func FuzzDecodeJSONMatchesReference(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	corpus, _ := filepath.Glob("testdata/corpus/*.json")
	files = append(files, corpus...)
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		``, ` `, `null`, `[]`, `{}`, ` {} `, `{}}`, `{}]`, `{} {}`, `{} x`, `{}{`, `{"a":1`, `{"a":}`, "\ufeff{}",
		`{"memberships":[{"id":1,"group":{"id":2,"name":"g"}}]} trailing`,
		`{"memberships":[{"id":1,"group":{"id":2,"name":"g"}}]}}`,
		`{"memberships":[{"id":true,"status":"normal","group":{"id":2,"name":3}}]}`,
		`{"memberships":[{"emailListed":"yes","group":{"id":"2"}}]}`,
		`{"memberships":[{"ID":1,"GROUP":{"Id":2,"NAME":"g"},"Group":{"name":"h"}}]}`,
		`{"memberships":[{"group":{"id":1,"name":"a"},"group":{"id":2}}],"memberships":null}`,
		`{"member":{"id":"\u0031"},"memberships":{}}`,
		`{"id":1,"member":{"id":2,"firstname":"x"},"firstname":"y"}`,
		`{"group":{"id":178,"name":"acme-specs","editurls":"true","indexversion":9203}}`,
		`{"membership":{"id":397,"email-listed":true,"status":"disabled","deleted":"false","group":{"id":178}}}`,
		`{"access_token":"a","token_type":"bearer","expires_in":3600}`,
		`{"access_token":"a","expires_in":[3600]}`,
		`{"groups":[{"id":1e400}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, newV := range []func() any{
			func() any { return new(wireMemberships) },
			func() any { return new(wireSelf) },
			func() any { return new(wireGroupDoc) },
			func() any { return new(wireMembershipDoc) },
			func() any { return new(wireVisibleGroups) },
			func() any { return new(tokenResponse) },
		} {
			want, got := newV(), newV()
			wantErr, gotErr := refDecodeJSON(body, want), decodeJSON(body, got)
			if !sameError(wantErr, gotErr) {
				t.Fatalf("%T: error %v, want %v", got, gotErr, wantErr)
			}
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("%T: decoded %+v, want %+v", got, got, want)
			}
		}
	})
}
