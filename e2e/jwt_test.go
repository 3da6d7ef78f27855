package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestJWTsOfTheConfiguredIssuerSignViewersIn(t *testing.T) {
	dir := t.TempDir()
	secret := "an-hs256-secret-of-at-least-32-bytes!"
	cfg := filepath.Join(dir, "groupgraph.yaml")
	err := os.WriteFile(cfg, []byte(`
providers:
  flickr:
    consumer_key: key
    base_url: http://127.0.0.1:1/services/rest
jwt:
  issuer: https://id.example
  audience: groupgraph
  hs256_secret: ${JWT_SECRET}
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	url, _, _ := startRunEnv(t, envOf("GROUPGRAPH_SECRET_KEY", testKey, "JWT_SECRET", secret),
		"-config", cfg, "-data-dir", dir, "-listen", "127.0.0.1:0")
	sign := func(sub, iss string) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
			Issuer: iss, Subject: sub, Audience: jwt.ClaimStrings{"groupgraph"}, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour)),
		}).SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for range 2 { // the second time finds the viewer created the first time
		status, body := post(t, url, sign("alice@id", "https://id.example"), `{ viewer { name accounts { provider } } }`)
		if status != 200 || body != `{"data":{"viewer":{"name":"jwt:alice@id","accounts":[]}}}` {
			t.Fatalf("%d %s", status, body)
		}
	}
	status, body := post(t, url, sign("mallory", "https://evil.example"), `{ viewer { name } }`)
	if status != 401 || !strings.Contains(body, "UNAUTHENTICATED") {
		t.Fatalf("another issuer's token: %d %s", status, body)
	}
}
