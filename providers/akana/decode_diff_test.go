package akana

import (
	"bytes"
	"os"
	"reflect"
	"slices"
	"testing"

	"github.com/groupgraph/groupgraph/providers/jsonscan"
	"github.com/groupgraph/groupgraph/providers/jsonscan/jsonscantest"
)

// referenceSeeds are bodies at the edges of what the decoder tolerates.
var referenceSeeds = []string{
	`{"channel":{"title":"My Groups","item":[]},"version":"1.0"}`,
	`{"channel":{"item":null}}`,
	`{"channel":null,"version":"2"}`,
	`null`, `{}`, `[]`, `""`, ``, `{"channel":{}} x`, `{"channel":{},}`,
	`{"channel":{"item":{"title":"G","guid":"g1.t","category":{"value":"leader","domain":"uddi:soa.com:role"}}}}`,
	`{"channel":{"item":[null,{"guid":null,"category":null,"Image":null},{"guid":{},"category":[],"Image":{}}]}}`,
	`{"channel":{"item":[{"guid":{"value":null}},{"guid":{"value":"a","other":[1,{"x":2}]}},{"guid":"\u0067.t"}]}}`,
	`{"channel":{"item":[{"guid":5}]}}`,
	`{"channel":{"item":[{"guid":[]}]}}`,
	`{"channel":{"item":[{"guid":{"value":5}}]}}`,
	`{"channel":{"item":[{"guid":{"Value":"a"}}]}}`,
	`{"channel":{"item":[{"guid":{"value":"a","value":"b"}}]}}`,
	`{"channel":{"item":[{"guid":{"value":"a"},"guid":{"x":1}}]}}`,
	`{"channel":{"item":[{"title":"a"}],"item":[{"guid":"b"}]}}`,
	`{"channel":{"item":[{"title":"a","category":[{"value":"v"}],"category":[{"domain":"d"}]}]}}`,
	`{"channel":{"title":"a"},"channel":{"item":[{"guid":"b"}]}}`,
	`{"Channel":{"Item":{"Title":"x","GUID":"g"}},"VERSION":"1"}`,
	`{"channel":{"item":[{"image":{"url":"u","link":"l"}}]}}`,
	`{"channel":{"item":[{"Image":{"Url":"https://x\/y","Link":"..\/t#\/g"}}]}}`,
	`{"channel":{"item":[{"title":5}]}}`,
	`{"channel":{"item":[{"title":null,"description":true}]}}`,
	`{"channel":{"item":[{"category":"x"}]}}`,
	`{"channel":{"item":[{"category":[{"value":1}]}]}}`,
	`{"channel":{"item":[{"category":[null,{"value":"v","domain":"d","extra":{}}]}]}}`,
	`{"channel":{"item":"x"}}`,
	`{"channel":{"item":5}}`,
	`{"channel":{"item":true}}`,
	`{"channel":"x"}`,
	`{"faultcode":"soap:Server","faultstring":"x"}`,
	`{"faultcode":5}`,
	"{\"channel\":{\"item\":[{\"title\":\"bad \xff utf8\",\"guid\":\"\\ud800\"}]}}",
	"{\"channel\":{\"item\":[{\"title\":\"tab\tinside\"}]}}",
	`{"channel":{"item":[{"title":"a\u00e9\"\\","pubDate":"Mon, 20 May 2013 22:20:58 GMT"}]}}`,
	`{"channel":{"item":[{"nötitle":"a","\u0074itle":"b"}]}}`,
	`{"channel":{"item":[{"title":"a"},]}}`,
	`{"channel":{"item":[{"title":"a"} {"title":"b"}]}}`,
	` { "channel" : { "item" : [ { "guid" : { "value" : "g.t" } , "category" : [ { "value" : "group" , "domain" : "uddi:soa.com:resourcetype" } ] } ] } , "version" : "1.0" } `,
	// Single values, for the tolerant types on their own.
	`"g.t"`, ` "g.t" `, `{"value":"g"}`, `{"value":"g"`, `nul`, `null `, `[{"value":"v","domain":"d"}]`, `[1]`, `[`,
}

func FuzzDecodeChannelMatchesReference(f *testing.F) {
	seed, err := os.ReadFile("testdata/my_groups.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(membershipsBody(f, 3))
	for _, s := range append(referenceSeeds, usualFeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := decodeChannel(bytes.Clone(body))
		want, rerr := refDecodeChannel(bytes.Clone(body))
		if (err == nil) != (rerr == nil) || err != nil && err != rerr {
			t.Fatalf("error %v, the reference's %v", err, rerr)
		}
		if err == nil && !jsonscantest.SameValues(got, want) {
			t.Fatalf("decoded %+v, the reference %+v", got, want)
		}
		// The tolerant types on their own, on any bytes.
		var g guid
		var rg refGuid
		if err, rerr := g.UnmarshalJSON(body), rg.UnmarshalJSON(body); (err == nil) != (rerr == nil) || err == nil && g.Value != rg.Value {
			t.Fatalf("guid: %q, %v; the reference %q, %v", g.Value, err, rg.Value, rerr)
		}
		var cs oneOrMany[category]
		var rcs refOneOrMany[refCategory]
		if err, rerr := cs.UnmarshalJSON(body), rcs.UnmarshalJSON(body); (err == nil) != (rerr == nil) || err == nil && !jsonscantest.SameValues(cs, rcs) {
			t.Fatalf("categories: %+v, %v; the reference %+v, %v", cs, err, rcs, rerr)
		}
		var is oneOrMany[item]
		var ris refOneOrMany[refItem]
		if err, rerr := is.UnmarshalJSON(body), ris.UnmarshalJSON(body); (err == nil) != (rerr == nil) || err == nil && !jsonscantest.SameValues(is, ris) {
			t.Fatalf("items: %+v, %v; the reference %+v, %v", is, err, ris, rerr)
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
		{"channel", jsonscantest.FieldNames(channelFields), jsonscantest.JSONNames(reflect.TypeFor[channel]())},
		{"channelBody", jsonscantest.FieldNames(channelBodyFields), jsonscantest.JSONNames(reflect.TypeFor[channelBody]())},
		{"item", jsonscantest.FieldNames(itemFields), jsonscantest.JSONNames(reflect.TypeFor[item]())},
		{"itemImage", jsonscantest.FieldNames(imageFields), jsonscantest.JSONNames(reflect.TypeFor[itemImage]())},
		{"category", jsonscantest.FieldNames(categoryFields), jsonscantest.JSONNames(reflect.TypeFor[category]())},
		{"guidObject", jsonscantest.FieldNames(guidFields), jsonscantest.JSONNames(reflect.TypeFor[guidObject]())},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: the reader knows %q, the type %q", c.name, c.got, c.want)
		}
	}
}

// usualFeeds are feeds of the shapes the one-pass reader reads.
var usualFeeds = []string{
	`{"channel":{"title":"My Groups","item":[]},"version":"1.0"}`,
	`{"channel":{"item":null}}`,
	`{"channel":null,"version":"2"}`,
	`{}`,
	`{"channel":{"item":{"title":"G","guid":"g1.t","category":{"value":"leader","domain":"uddi:soa.com:role"}}}}`,
	`{"channel":{"item":[null,{"guid":null,"category":null,"Image":null},{"guid":{},"category":[],"Image":{}}]}}`,
	`{"channel":{"item":[{"guid":{"value":null}},{"guid":{"value":"a","other":[1,{"x":2}]}},{"guid":"\u0067.t"}]}}`,
	`{"channel":{"item":[{"title":"a\u00e9\"\\","pubDate":"Mon, 20 May 2013 22:20:58 GMT","Image":{"Url":"https://x\/y"}}]}}`,
	`{"channel":{"item":[{"category":[null,{"value":"v","domain":"d","extra":{}}]}]}}`,
	`{"faultcode":"soap:Server","faultstring":"x"}`,
	` { "channel" : { "item" : [ { "guid" : { "value" : "g.t" } , "category" : [ { "value" : "group" , "domain" : "uddi:soa.com:resourcetype" } ] } ] } , "version" : "1.0" } `,
}

// The usual feeds take the one-pass path (and so the comparison with the
// reference covers it).
func TestUsualFeedsAreReadInOnePass(t *testing.T) {
	seed, err := os.ReadFile("testdata/my_groups.json")
	if err != nil {
		t.Fatal(err)
	}
	bodies := map[string][]byte{"documentation": seed, "simulator": membershipsBody(t, 3)}
	for _, s := range usualFeeds {
		bodies[s] = []byte(s)
	}
	for name, b := range bodies {
		var c channel
		r := jsonscan.NewReader(b)
		if !jsonscan.ReadObject(&r, &c, channelFields) || !r.End() {
			t.Errorf("%s: not read in one pass", name)
		}
	}
}
