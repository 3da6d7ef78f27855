package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/groupgraph/groupgraph/providers"
)

// SubjectViewers maps a token's subject to its viewer, creating the viewer
// on first sight.
type SubjectViewers interface {
	ViewerForSubject(ctx context.Context, subject string) (*providers.Viewer, error)
}

// JWTOptions configure JWT verification.
type JWTOptions struct {
	// Issuer is the required iss claim.
	Issuer string
	// Audience is the required aud claim; empty accepts any.
	Audience string
	// JWKSURL is where the issuer publishes its RS256 and ES256 keys.
	JWKSURL string
	// HS256Secret verifies HS256 tokens instead of keys from JWKSURL.
	HS256Secret []byte
	// HTTPClient fetches the JWKS; nil means a client with a 5 s timeout.
	HTTPClient *http.Client
	// Viewers maps subjects to viewers.
	Viewers SubjectViewers
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// RefreshEvery bounds how often an unknown key id makes the JWKS be
	// fetched again; 0 means 30 s.
	RefreshEvery time.Duration
	// KeysMaxAge is how long fetched keys are trusted before the JWKS is
	// fetched again, so that a key the issuer withdraws stops verifying
	// tokens; 0 means 10 minutes. When that fetch fails, the keys last
	// fetched stay in use and the fetch is retried after RefreshEvery.
	KeysMaxAge time.Duration
}

// DefaultKeysMaxAge is JWTOptions.KeysMaxAge when it is 0.
const DefaultKeysMaxAge = 10 * time.Minute

// JWT authenticates bearer tokens that are JWTs of one issuer: RS256 and
// ES256 tokens against the issuer's JWKS, or HS256 tokens against a shared
// secret. The subject is mapped to a viewer, created on first sight.
type JWT struct {
	opts    JWTOptions
	parser  *jwt.Parser
	methods []string

	mu        sync.Mutex
	keys      map[string]any
	keysAt    time.Time // when keys were fetched
	fetchedAt time.Time // the last fetch attempt, successful or not
}

// NewJWT checks the options and returns the authenticator.
func NewJWT(opts JWTOptions) (*JWT, error) {
	if opts.Issuer == "" || opts.Viewers == nil {
		return nil, errors.New("jwt: an issuer and a viewer mapping are required")
	}
	if (opts.JWKSURL == "") == (len(opts.HS256Secret) == 0) {
		return nil, errors.New("jwt: set exactly one of jwks_url and hs256_secret")
	}
	if len(opts.HS256Secret) > 0 && len(opts.HS256Secret) < 32 {
		return nil, errors.New("jwt: hs256_secret must be at least 32 bytes")
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RefreshEvery <= 0 {
		opts.RefreshEvery = 30 * time.Second
	}
	if opts.KeysMaxAge <= 0 {
		opts.KeysMaxAge = DefaultKeysMaxAge
	}
	methods := []string{"RS256", "ES256"}
	if len(opts.HS256Secret) > 0 {
		methods = []string{"HS256"}
	}
	popts := []jwt.ParserOption{
		jwt.WithValidMethods(methods), jwt.WithIssuer(opts.Issuer), jwt.WithExpirationRequired(),
		jwt.WithLeeway(30 * time.Second), jwt.WithTimeFunc(opts.Now),
	}
	if opts.Audience != "" {
		popts = append(popts, jwt.WithAudience(opts.Audience))
	}
	return &JWT{opts: opts, parser: jwt.NewParser(popts...), methods: methods, keys: map[string]any{}}, nil
}

// Authenticate implements Authenticator. Every failure is ErrInvalidToken;
// the reason is deliberately not told to the caller.
func (j *JWT) Authenticate(ctx context.Context, token string) (*providers.Viewer, error) {
	claims := jwt.RegisteredClaims{}
	_, err := j.parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		if len(j.opts.HS256Secret) > 0 {
			return j.opts.HS256Secret, nil
		}
		kid, _ := t.Header["kid"].(string)
		return j.key(ctx, kid)
	})
	if err != nil || claims.Subject == "" {
		return nil, ErrInvalidToken
	}
	v, err := j.opts.Viewers.ViewerForSubject(ctx, claims.Subject)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	return v, nil
}

// key returns the JWKS key with the given id. The JWKS is fetched again
// when the id is unknown or the keys are older than KeysMaxAge, at most
// once per RefreshEvery; keys the new JWKS lacks are dropped.
func (j *JWT) key(ctx context.Context, kid string) (any, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.opts.Now()
	k, known := j.keys[kid]
	if known && now.Sub(j.keysAt) < j.opts.KeysMaxAge {
		return k, nil
	}
	if !j.fetchedAt.IsZero() && now.Sub(j.fetchedAt) < j.opts.RefreshEvery {
		// A fetch failed moments ago (or the id is unknown): keep the
		// last keys rather than lock everyone out while the issuer is
		// unreachable.
		if known {
			return k, nil
		}
		return nil, errors.New("unknown key id")
	}
	j.fetchedAt = now
	keys, err := fetchJWKS(ctx, j.opts.HTTPClient, j.opts.JWKSURL)
	if err != nil {
		if known {
			return k, nil
		}
		return nil, err
	}
	j.keys, j.keysAt = keys, now
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return nil, errors.New("unknown key id")
}

type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// fetchJWKS reads an issuer's JSON Web Key Set: RSA and P-256 keys for
// signing; other keys are skipped.
func fetchJWKS(ctx context.Context, c *http.Client, url string) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("jwks: HTTP %d", resp.StatusCode)
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	keys := map[string]any{}
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		switch k.Kty {
		case "RSA":
			n, err1 := base64.RawURLEncoding.DecodeString(k.N)
			e, err2 := base64.RawURLEncoding.DecodeString(k.E)
			if err1 != nil || err2 != nil || len(e) > 4 {
				continue
			}
			keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		case "EC":
			if k.Crv != "P-256" {
				continue
			}
			x, err1 := base64.RawURLEncoding.DecodeString(k.X)
			y, err2 := base64.RawURLEncoding.DecodeString(k.Y)
			if err1 != nil || err2 != nil {
				continue
			}
			pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(x), Y: new(big.Int).SetBytes(y)}
			if !pub.Curve.IsOnCurve(pub.X, pub.Y) {
				continue
			}
			keys[k.Kid] = pub
		}
	}
	return keys, nil
}
