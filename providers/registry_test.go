package providers_test

import (
	"context"
	"errors"
	"testing"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/providertest"
)

func TestFanOut(t *testing.T) {
	fl, up := providertest.NewMemory(providers.Flickr), providertest.NewMemory(providers.Upcoming)
	reg := providers.NewRegistry(fl, up)
	accts := []providers.Account{
		{Provider: providers.Flickr}, {Provider: providers.Akana}, {Provider: providers.Upcoming},
	}
	t.Run("a panicking platform becomes its own ErrInternal and the others answer", func(t *testing.T) {
		res := providers.FanOut(context.Background(), reg, accts, func(_ context.Context, p providers.Provider, _ providers.Account) (string, error) {
			if p.Kind() == providers.Flickr {
				panic("boom")
			}
			return "ok", nil
		})
		if len(res) != 2 {
			t.Fatalf("%d results, want 2 (the unconfigured platform skipped)", len(res))
		}
		if !errors.Is(res[0].Err, providers.ErrInternal) || providers.ProviderOf(res[0].Err) != providers.Flickr {
			t.Errorf("flickr result = %+v, want a flickr ErrInternal", res[0])
		}
		if res[1].Err != nil || res[1].Value != "ok" || res[1].Account.Provider != providers.Upcoming {
			t.Errorf("upcoming result = %+v, want ok", res[1])
		}
	})
}

func TestKindOf(t *testing.T) {
	cases := map[string]struct {
		err  error
		want error
	}{
		"a wrapped kind":          {errors.Join(errors.New("x"), providers.ErrNotMember), providers.ErrNotMember},
		"a bare context deadline": {context.DeadlineExceeded, providers.ErrTimeout},
		"a transport timeout":     {providers.TransportError("op", context.DeadlineExceeded), providers.ErrTimeout},
		"a transport failure":     {providers.TransportError("op", errors.New("dial tcp: connection refused")), providers.ErrUnavailable},
		"an unclassified error":   {errors.New("?"), nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := providers.KindOf(tc.err); got != tc.want {
				t.Fatalf("KindOf = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCredentialsNeverPrint(t *testing.T) {
	c := providers.Credentials{Token: "tok-123", Secret: "sec-456"}
	for _, s := range []string{c.String(), c.GoString(), sprint(c), sprintPlus(c), sprintAccount(providers.Account{Credentials: c})} {
		if contains(s, "tok-123") || contains(s, "sec-456") {
			t.Fatalf("credentials printed: %s", s)
		}
	}
}
