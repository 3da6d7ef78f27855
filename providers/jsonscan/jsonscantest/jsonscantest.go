// Package jsonscantest holds what the tests of the one-pass decoders share:
// comparing a decoder's output with its reference copy's, and checking that
// a reader's field list matches its type's json tags.
package jsonscantest

import (
	"reflect"
	"slices"
	"strings"

	"github.com/groupgraph/groupgraph/providers/jsonscan"
)

// SameValues reports whether got and want hold the same values, field by
// field and by field name, whatever the names of their types: a reference
// decoder's types mirror the real ones under other names. A field of got
// that want lacks is not compared. A nil slice and an empty one differ.
func SameValues(got, want any) bool { return same(reflect.ValueOf(got), reflect.ValueOf(want)) }

func same(got, want reflect.Value) bool {
	if got.Kind() != want.Kind() {
		return false
	}
	switch want.Kind() {
	case reflect.Pointer:
		if got.IsNil() || want.IsNil() {
			return got.IsNil() == want.IsNil()
		}
		return same(got.Elem(), want.Elem())
	case reflect.Struct:
		for i := range want.NumField() {
			g := got.FieldByName(want.Type().Field(i).Name)
			if !g.IsValid() || !same(g, want.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if got.IsNil() != want.IsNil() || got.Len() != want.Len() {
			return false
		}
		for i := range want.Len() {
			if !same(got.Index(i), want.Index(i)) {
				return false
			}
		}
		return true
	case reflect.String:
		return got.String() == want.String()
	case reflect.Int:
		return got.Int() == want.Int()
	case reflect.Bool:
		return got.Bool() == want.Bool()
	}
	panic("SameValues: unexpected kind " + want.Kind().String())
}

// JSONNames are the json tag names of the fields of types, sorted.
func JSONNames(types ...reflect.Type) []string {
	var names []string
	for _, t := range types {
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// FieldNames are the names a reader's field list knows, sorted.
func FieldNames[T any](fields []jsonscan.Field[T]) []string {
	var names []string
	for _, f := range fields {
		names = append(names, f.Name)
	}
	slices.Sort(names)
	return names
}
