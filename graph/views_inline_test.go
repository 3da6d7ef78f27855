package graph

import (
	"context"
	"reflect"
	"testing"

	"github.com/groupgraph/groupgraph/graph/model"
)

// The types a page of memberships is made of must resolve inline: gqlgen
// runs a field in a goroutine of its own when it has a resolver or when its
// method takes a context, and a page of a hundred memberships has about
// two thousand fields. This guards the design of views.go; BENCHMARKS.md
// has what it is worth.
func TestTheViewsFieldsResolveInline(t *testing.T) {
	root := reflect.TypeFor[ResolverRoot]()
	ctxType := reflect.TypeFor[context.Context]()
	if _, ok := root.MethodByName("Viewer"); !ok {
		t.Fatal("ResolverRoot has no Viewer(), whose fields do load: this check cannot see resolvers")
	}
	for _, v := range []any{
		&Group{}, &Membership{}, &model.User{}, &MembershipConnection{}, &MembershipEdge{}, &GroupConnection{}, &GroupEdge{},
		&FlickrGroupDetails{}, &UpcomingGroupDetails{}, &PageSeederGroupDetails{}, &AkanaGroupDetails{},
	} {
		typ := reflect.TypeOf(v)
		name := typ.Elem().Name()
		if _, ok := root.MethodByName(name); ok {
			t.Errorf("%s has resolvers (ResolverRoot.%s): its fields would each run in a goroutine", name, name)
		}
		for i := range typ.NumMethod() {
			m := typ.Method(i)
			if m.Type.NumIn() > 1 && m.Type.In(1).Implements(ctxType) {
				t.Errorf("%s.%s takes a context: gqlgen would run it in a goroutine", name, m.Name)
			}
		}
	}
}
