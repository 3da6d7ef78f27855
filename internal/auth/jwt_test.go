package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/providers"
)

type subjects map[string]*providers.Viewer

func (s subjects) ViewerForSubject(_ context.Context, sub string) (*providers.Viewer, error) {
	if v, ok := s[sub]; ok {
		return v, nil
	}
	v := &providers.Viewer{ID: sub, Name: "jwt:" + sub}
	s[sub] = v
	return v, nil
}

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func claims(mut func(*jwt.RegisteredClaims)) jwt.RegisteredClaims {
	c := jwt.RegisteredClaims{
		Issuer: "https://id.example", Subject: "user-1", Audience: jwt.ClaimStrings{"groupgraph"},
		ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)), IssuedAt: jwt.NewNumericDate(now),
	}
	if mut != nil {
		mut(&c)
	}
	return c
}

func TestJWTWithASharedSecret(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	a, err := auth.NewJWT(auth.JWTOptions{Issuer: "https://id.example", Audience: "groupgraph", HS256Secret: secret, Viewers: subjects{}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	sign := func(c jwt.RegisteredClaims, key []byte) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	v, err := a.Authenticate(context.Background(), sign(claims(nil), secret))
	if err != nil || v.Name != "jwt:user-1" {
		t.Fatalf("valid token: %v, %v", v, err)
	}
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	bad := map[string]string{
		"an expired token":        sign(claims(func(c *jwt.RegisteredClaims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Hour)) }), secret),
		"a token without expiry":  sign(claims(func(c *jwt.RegisteredClaims) { c.ExpiresAt = nil }), secret),
		"another issuer's token":  sign(claims(func(c *jwt.RegisteredClaims) { c.Issuer = "https://evil.example" }), secret),
		"another audience's":      sign(claims(func(c *jwt.RegisteredClaims) { c.Audience = jwt.ClaimStrings{"other"} }), secret),
		"a token without subject": sign(claims(func(c *jwt.RegisteredClaims) { c.Subject = "" }), secret),
		"a wrong signature":       sign(claims(nil), []byte("another-secret-of-32-bytes-long!!")),
		"alg none":                none,
		"not yet valid":           sign(claims(func(c *jwt.RegisteredClaims) { c.NotBefore = jwt.NewNumericDate(now.Add(time.Hour)) }), secret),
		"garbage":                 "a.b.c",
	}
	for name, tok := range bad {
		t.Run(name+" is refused", func(t *testing.T) {
			if _, err := a.Authenticate(context.Background(), tok); !errors.Is(err, auth.ErrInvalidToken) {
				t.Fatalf("err = %v, want ErrInvalidToken", err)
			}
		})
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func TestJWTWithAnIssuersKeys(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	var fetches atomic.Int32
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{
			{"kty": "RSA", "kid": "r1", "use": "sig", "n": b64(rsaKey.N.Bytes()), "e": b64(big.NewInt(int64(rsaKey.E)).Bytes())},
			{"kty": "EC", "kid": "e1", "crv": "P-256", "x": b64(ecKey.X.FillBytes(make([]byte, 32))), "y": b64(ecKey.Y.FillBytes(make([]byte, 32)))},
		}})
	}))
	t.Cleanup(jwks.Close)
	clock := now
	a, err := auth.NewJWT(auth.JWTOptions{Issuer: "https://id.example", JWKSURL: jwks.URL, Viewers: subjects{}, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	sign := func(m jwt.SigningMethod, kid string, key any) string {
		tok := jwt.NewWithClaims(m, claims(nil))
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for name, tok := range map[string]string{"RS256": sign(jwt.SigningMethodRS256, "r1", rsaKey), "ES256": sign(jwt.SigningMethodES256, "e1", ecKey)} {
		if _, err := a.Authenticate(context.Background(), tok); err != nil {
			t.Errorf("%s token refused: %v", name, err)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times for known keys, want once", n)
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	forged := sign(jwt.SigningMethodRS256, "r1", other)
	unknown := sign(jwt.SigningMethodRS256, "r2", other)
	for name, tok := range map[string]string{"a token signed with another key": forged, "an unknown key id": unknown} {
		if _, err := a.Authenticate(context.Background(), tok); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	for range 5 {
		_, _ = a.Authenticate(context.Background(), unknown)
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("unknown key ids fetched the JWKS %d times within the refresh interval, want only the first fetch", n)
	}
	clock = clock.Add(time.Minute)
	_, _ = a.Authenticate(context.Background(), unknown)
	if n := fetches.Load(); n != 2 {
		t.Errorf("after the refresh interval: %d fetches, want 2", n)
	}
}

func TestJWTKeysTheIssuerRemovedStopWorking(t *testing.T) {
	oldKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	newKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	set := func(kid string, k *rsa.PrivateKey) []map[string]string {
		return []map[string]string{{"kty": "RSA", "kid": kid, "use": "sig", "n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}}
	}
	var (
		served atomic.Pointer[[]map[string]string]
		down   atomic.Bool
	)
	both := append(set("old", oldKey), set("new", newKey)...)
	served.Store(&both)
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": *served.Load()})
	}))
	t.Cleanup(jwks.Close)
	clock := now
	a, err := auth.NewJWT(auth.JWTOptions{Issuer: "https://id.example", JWKSURL: jwks.URL, Viewers: subjects{}, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	sign := func(kid string, key *rsa.PrivateKey) string {
		c := claims(nil)
		c.ExpiresAt = jwt.NewNumericDate(now.Add(24 * time.Hour))
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	oldTok, newTok := sign("old", oldKey), sign("new", newKey)
	if _, err := a.Authenticate(context.Background(), oldTok); err != nil {
		t.Fatalf("a token of a published key: %v", err)
	}

	// The issuer withdraws the old key (say it leaked).
	onlyNew := set("new", newKey)
	served.Store(&onlyNew)
	clock = clock.Add(time.Hour)
	if _, err := a.Authenticate(context.Background(), oldTok); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("an hour after the issuer withdrew its key, a token it signed: err = %v, want ErrInvalidToken", err)
	}
	if _, err := a.Authenticate(context.Background(), newTok); err != nil {
		t.Fatalf("a token of the key still published: %v", err)
	}

	// An unreachable JWKS does not lock everyone out: the keys last
	// fetched keep working.
	down.Store(true)
	clock = clock.Add(time.Hour)
	if _, err := a.Authenticate(context.Background(), newTok); err != nil {
		t.Fatalf("with the JWKS unreachable, a token of the last fetched keys: %v", err)
	}
}
