package graph

import (
	"reflect"

	"github.com/groupgraph/groupgraph/providers"
)

// mergeGroups returns a group's one truth from what its platform's list
// call said of it (list) and what its detail call said (detail), either of
// which may be nil: every field the list call gave, and every field it left
// out (a nil pointer, an empty string or list, a zero number, false) as the
// detail call gave it. Details of the same type, and values such as the
// Flickr throttle, merge field by field, so that the list's throttle count
// and the detail call's remaining allowance stand together. Neither input
// is changed.
//
// The list comes first because it is the fresher of the two: list calls
// are never cached, details may come from the shared cache.
func mergeGroups(list, detail *providers.Group) *providers.Group {
	switch {
	case list == nil:
		return detail
	case detail == nil:
		return list
	}
	out := *list
	fill(reflect.ValueOf(&out).Elem(), reflect.ValueOf(detail).Elem())
	out.Complete = true // a detail call answered for it
	return &out
}

// fill sets every zero part of dst (settable) from src, of the same type,
// copying what it changes below a pointer or an interface rather than
// writing through them.
func fill(dst, src reflect.Value) {
	switch dst.Kind() {
	case reflect.Pointer:
		switch {
		case src.IsNil():
		case dst.IsNil():
			dst.Set(src)
		case dst.Elem().Kind() == reflect.Struct:
			c := reflect.New(dst.Elem().Type())
			c.Elem().Set(dst.Elem())
			fill(c.Elem(), src.Elem())
			dst.Set(c)
		}
	case reflect.Interface:
		switch {
		case src.IsNil():
		case dst.IsNil():
			dst.Set(src)
		case dst.Elem().Type() == src.Elem().Type():
			c := reflect.New(dst.Elem().Type()).Elem()
			c.Set(dst.Elem())
			fill(c, src.Elem())
			dst.Set(c)
		}
	case reflect.Struct:
		for i := range dst.NumField() {
			if dst.Type().Field(i).IsExported() {
				fill(dst.Field(i), src.Field(i))
			}
		}
	default:
		if dst.IsZero() {
			dst.Set(src)
		}
	}
}
