package providertest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/groupgraph/groupgraph/providers"
)

// Corpus describes a platform's corpus of real-world payloads: files in
// Dir (each named for the call it answers; README.md says where each came
// from), each with the expected result in Dir/golden/<file>.json.
type Corpus struct {
	// Dir holds the payloads.
	Dir string
	// Update rewrites the golden files from what Decode returns (go test
	// -update), for a reviewer to read in the diff.
	Update bool
	// Decode runs the payload through the client, as the platform's answer
	// to the call the file's name names, and returns what the client
	// returned.
	Decode func(t *testing.T, name string, body []byte) (any, error)
	// Allowed are words an error message may share with a payload (the
	// names of methods and services the message names itself).
	Allowed []string
}

// Run decodes every payload and compares the result with its golden file.
// A payload whose name says "blank" or "unknown" must also decode to groups
// whose every numeric, boolean and enum field is unknown (AssertUnknown),
// and no error may repeat a payload's text (AssertNoUpstreamText).
func (c Corpus) Run(t *testing.T) {
	t.Helper()
	entries, err := os.ReadDir(c.Dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || name == "README.md" {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(c.Dir, name))
			if err != nil {
				t.Fatal(err)
			}
			v, err := c.Decode(t, name, body)
			AssertNoUpstreamText(t, err, string(body), c.Allowed...)
			if strings.Contains(name, "blank") || strings.Contains(name, "unknown") {
				if err != nil {
					t.Fatalf("%s is a payload to decode, not an error: %v", name, err)
				}
				AssertUnknown(t, v)
			}
			got := golden(t, v, err)
			path := filepath.Join(c.Dir, "golden", name+".json")
			if c.Update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("no golden file (go test -update writes it): %v", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s decodes differently from %s (-want +got):\n%s", name, path, diff)
			}
		})
	}
	if n == 0 {
		t.Fatalf("no payloads in %s", c.Dir)
	}
}

// golden is the indented JSON of a result, or of the classified error.
func golden(t *testing.T, v any, err error) []byte {
	t.Helper()
	if err != nil {
		kind := providers.KindOf(err)
		if kind == nil {
			kind = errors.New("unclassified")
		}
		v = map[string]string{"error": kind.Error(), "providerCode": providers.ProviderCode(err), "message": err.Error()}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// AssertUnknown fails t for every group in v (a Group, a Membership, or
// slices, maps and pointers of them) with a known numeric, boolean or enum
// field: KnownFields must be empty.
func AssertUnknown(t testing.TB, v any) {
	t.Helper()
	groups := 0
	eachGroup(reflect.ValueOf(v), func(g *providers.Group) {
		groups++
		if known := KnownFields(g); len(known) > 0 {
			t.Errorf("group %q: %v are known, want every numeric, boolean and enum field unknown", g.ID, known)
		}
	})
	if groups == 0 {
		t.Errorf("no group in %T to check", v)
	}
}

func eachGroup(v reflect.Value, f func(*providers.Group)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			eachGroup(v.Elem(), f)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			eachGroup(v.Index(i), f)
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			eachGroup(it.Value(), f)
		}
	case reflect.Struct:
		switch x := v.Interface().(type) {
		case providers.Group:
			f(&x)
		case providers.Membership:
			f(&x.Group)
		}
	}
}

// KnownFields names the numeric, boolean and enum fields of g and of its
// details (nested structs included) that hold a value, sorted.
func KnownFields(g *providers.Group) []string {
	var known []string
	if g.Visibility != providers.VisibilityUnknown {
		known = append(known, "Visibility")
	}
	if g.JoinPolicy != providers.JoinUnknown {
		known = append(known, "JoinPolicy")
	}
	scalars(reflect.ValueOf(*g), "", &known)
	if g.Details != nil {
		scalars(reflect.ValueOf(g.Details), "Details.", &known)
	}
	slices.Sort(known)
	return known
}

func scalars(v reflect.Value, prefix string, known *[]string) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	for i := range v.NumField() {
		f, name := v.Field(i), prefix+v.Type().Field(i).Name
		if f.Kind() == reflect.Interface || name == "Complete" {
			continue // Details, checked on its own; Complete is groupgraph's own
		}
		switch f.Kind() {
		case reflect.Int, reflect.Int64, reflect.Bool:
			// A plain number or flag cannot say "unknown".
			*known = append(*known, name+" (not a pointer)")
		case reflect.Pointer:
			if f.IsNil() {
				continue
			}
			switch f.Elem().Kind() {
			case reflect.Int, reflect.Int64, reflect.Bool:
				*known = append(*known, name)
			case reflect.Struct:
				if _, isTime := f.Elem().Interface().(interface{ IsZero() bool }); !isTime {
					scalars(f, name+".", known)
				}
			}
		}
	}
}

// statusInName is the "_502" of "error_html_502.html".
var statusInName = regexp.MustCompile(`_(\d{3})\.[a-z]+$`)

// StatusInName returns the HTTP status a corpus file's name carries just
// before its extension ("error_html_502.html" is a 502), and 200 when it
// carries none.
func StatusInName(name string) int {
	if m := statusInName.FindStringSubmatch(name); m != nil {
		if s, err := strconv.Atoi(m[1]); err == nil {
			return s
		}
	}
	return http.StatusOK
}
