package graph

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// writeResponse splices the data into the envelope by hand; it must write
// what json.Marshal of the response would, up to the escaping of HTML
// characters and line separators inside the data, which json.Marshal adds
// and gqlgen does not.
func TestWriteResponseEncodesLikeJSONMarshal(t *testing.T) {
	errs := gqlerror.List{{Message: "boom \"quoted\" <b>", Extensions: map[string]any{"code": "PROVIDER_UNAVAILABLE"}}}
	cases := map[string]*graphql.Response{
		"data only":              {Data: json.RawMessage("{\"viewer\":{\"name\":\"ä \u2028 <b>&\"}}")},
		"errors and data":        {Errors: errs, Data: json.RawMessage(`{"a":null}`)},
		"errors without data":    {Errors: errs},
		"null data":              {Data: json.RawMessage(`null`)},
		"extensions":             {Data: json.RawMessage(`{"a":1}`), Extensions: map[string]any{"cost": 3}},
		"errors, data and extra": {Errors: errs, Data: json.RawMessage(`[1,2]`), Extensions: map[string]any{"k": "v"}},
	}
	for name, resp := range cases {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			writeResponse(rec, "application/json", resp)
			want, err := json.Marshal(resp)
			if err != nil {
				t.Fatal(err)
			}
			var got, exp any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("wrote invalid JSON %s: %v", rec.Body.String(), err)
			}
			_ = json.Unmarshal(want, &exp)
			gb, _ := json.Marshal(got)
			eb, _ := json.Marshal(exp)
			if string(gb) != string(eb) {
				t.Fatalf("wrote %s\nwant  %s", rec.Body.String(), want)
			}
			if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
				t.Fatalf("status %d, content type %q", rec.Code, rec.Header().Get("Content-Type"))
			}
		})
	}
}
