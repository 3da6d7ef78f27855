package loadtest

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The load's one-pass decoding of answers gives what encoding/json gives.
func TestDecodeResponseAgreesWithEncodingJSON(t *testing.T) {
	for _, body := range []string{
		`{"data":{"viewer":{"memberships":{"nodes":[{"id":"a"}]}}}}`,
		`{"errors":[{"message":"boom","path":["viewer",0],"extensions":{"code":"INTERNAL"}}],"data":null}`,
		`{"errors":[{"message":"partial"}],"data":{"x":1},"extensions":{"cost":3}}`,
		`{"data":null}`,
		`{"errors":null,"data":{}}`,
		`{"d\u0061ta":{"x":1}}`,     // an escaped key: encoding/json decides
		`{"data":{"x":1},"data":2}`, // a repeated key: the last one
		` { "data" : [ 1 , 2 ] } `,
	} {
		var want Response
		if err := json.Unmarshal([]byte(body), &want); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		var got Response
		if err := decodeResponse([]byte(body), &got); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if !reflect.DeepEqual(got.Errors, want.Errors) || !jsonEqual(got.Data, want.Data) {
			t.Errorf("%s:\n got %s %v\nwant %s %v", body, got.Data, got.Errors, want.Data, want.Errors)
		}
	}
	for _, body := range []string{``, `{`, `{"data":}`, `[1]x`, `{"data":1} x`} {
		var r Response
		if err := decodeResponse([]byte(body), &r); err == nil {
			t.Errorf("%q: decoded, want an error", body)
		}
	}
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if (a == nil) != (b == nil) {
		return false
	}
	if a == nil {
		return true
	}
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}
