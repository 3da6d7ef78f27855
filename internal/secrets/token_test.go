package secrets_test

import (
	"strings"
	"testing"

	"github.com/groupgraph/groupgraph/internal/secrets"
)

func TestToken(t *testing.T) {
	tok, err := secrets.NewToken()
	if err != nil {
		t.Fatal(err)
	}

	t.Run("a new token has the prefix and length", func(t *testing.T) {
		if !strings.HasPrefix(tok, secrets.TokenPrefix) || len(tok) != secrets.TokenLen {
			t.Fatalf("token %q: want prefix %q and length %d", tok, secrets.TokenPrefix, secrets.TokenLen)
		}
	})
	t.Run("a new token is well formed", func(t *testing.T) {
		if err := secrets.CheckToken(tok); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("two tokens differ", func(t *testing.T) {
		other, _ := secrets.NewToken()
		if other == tok {
			t.Fatal("two tokens are equal")
		}
	})
	t.Run("the hash is 32 bytes and stable", func(t *testing.T) {
		h := secrets.HashToken(tok)
		if len(h) != 32 || !secrets.EqualHashes(h, secrets.HashToken(tok)) {
			t.Fatalf("hash %x", h)
		}
		if secrets.EqualHashes(h, secrets.HashToken(tok+"x")) {
			t.Fatal("different tokens hash equal")
		}
	})
	t.Run("the display prefix is the start of the token", func(t *testing.T) {
		p := secrets.DisplayPrefix(tok)
		if len(p) != secrets.DisplayPrefixLen || !strings.HasPrefix(tok, p) {
			t.Fatalf("DisplayPrefix = %q", p)
		}
		if secrets.DisplayPrefix("ggp_") != "" {
			t.Fatal("a short string has a display prefix")
		}
	})

	malformed := map[string]string{
		"an empty string":        "",
		"a token without prefix": tok[len(secrets.TokenPrefix):],
		"another prefix":         "ghp_" + tok[4:],
		"a truncated token":      tok[:len(tok)-1],
		"an upper-cased token":   strings.ToUpper(tok),
		"a typo in the body":     tok[:10] + flip(tok[10]) + tok[11:],
		"a JWT":                  "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
	}
	for name, s := range malformed {
		t.Run("CheckToken refuses "+name, func(t *testing.T) {
			if err := secrets.CheckToken(s); err == nil {
				t.Fatalf("CheckToken(%q) = nil", s)
			}
		})
	}
}

func flip(c byte) string {
	if c == 'a' {
		return "b"
	}
	return "a"
}

func TestNewState(t *testing.T) {
	a, err := secrets.NewState()
	b, _ := secrets.NewState()
	if err != nil || len(a) != 43 || a == b {
		t.Fatalf("NewState = %q, %q, %v", a, b, err)
	}
}
