// Package auth turns the Authorization header of a request into the viewer it
// acts for. An Authenticator looks a bearer token up; Middleware applies one
// to every request. Tokens are compared by their SHA-256 hash in constant
// time and never logged.
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/groupgraph/groupgraph/internal/dependency"
	"github.com/groupgraph/groupgraph/providers"
)

// ErrInvalidToken is returned for a token that is unknown, expired, revoked
// or malformed. The message is the same for all of them, so that it tells an
// attacker nothing.
var ErrInvalidToken = errors.New("invalid or expired access token")

// Authenticator resolves a bearer token to its viewer.
type Authenticator interface {
	// Authenticate returns the viewer the token belongs to, or an error
	// wrapping ErrInvalidToken.
	Authenticate(ctx context.Context, token string) (*providers.Viewer, error)
}

// Middleware authenticates requests that carry `Authorization: Bearer
// <token>` and puts the viewer into the request context
// (providers.NewContextWithViewer). A request without the header goes on
// anonymously: fields that need a viewer then fail with UNAUTHENTICATED,
// while schema queries still work. A header that is present but malformed,
// or a token the Authenticator rejects, is answered 401 at once with a
// GraphQL-shaped error, as RFC 6750 asks. A token that could not be checked
// is not answered 401, which would have the client sign its user out: the
// store being unavailable is 503 STORE_UNAVAILABLE with Retry-After, any
// other failure 500 INTERNAL.
func Middleware(a Authenticator, next http.Handler) http.Handler {
	return MiddlewareWithLogger(a, nil, next)
}

// MiddlewareWithLogger is Middleware that logs why a token could not be
// checked; a nil logger discards it. The token is never logged.
func MiddlewareWithLogger(a Authenticator, logger *slog.Logger, next http.Handler) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		scheme, token, ok := strings.Cut(h, " ")
		token = strings.TrimSpace(token)
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			unauthorized(w, "invalid_request", "the Authorization header must be `Bearer <token>`")
			return
		}
		v, err := a.Authenticate(r.Context(), token)
		switch {
		case errors.Is(err, ErrInvalidToken):
			unauthorized(w, "invalid_token", ErrInvalidToken.Error())
			return
		case errors.Is(err, dependency.ErrUnavailable):
			// The store's guard logs the outage once; not per request.
			logger.DebugContext(r.Context(), "checking an access token failed", "err", err.Error())
			w.Header().Set("Retry-After", strconv.Itoa(int((dependency.DefaultPause+time.Second-1)/time.Second)))
			writeError(w, http.StatusServiceUnavailable, "STORE_UNAVAILABLE", "groupgraph's store is unavailable; try again shortly")
			return
		case err != nil:
			logger.ErrorContext(r.Context(), "checking an access token failed", "err", err.Error())
			writeError(w, http.StatusInternalServerError, "INTERNAL", "internal error")
			return
		}
		next.ServeHTTP(w, r.WithContext(providers.NewContextWithViewer(r.Context(), v)))
	})
}

func unauthorized(w http.ResponseWriter, oauthErr, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="groupgraph", error="`+oauthErr+`"`)
	writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", msg)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": code}}},
	})
}

// HashToken returns the SHA-256 of a token, the form in which tokens are
// kept.
func HashToken(token string) [sha256.Size]byte { return sha256.Sum256([]byte(token)) }

// Static is an Authenticator over a fixed set of viewers, for development
// and tests: each viewer's token comes from the configuration file. Real
// deployments use the store-backed authenticator.
type Static struct {
	entries []staticEntry
}

type staticEntry struct {
	hash   [sha256.Size]byte
	viewer *providers.Viewer
}

// NewStatic returns an authenticator that knows the given tokens.
func NewStatic(viewers map[string]*providers.Viewer) *Static {
	s := &Static{}
	for token, v := range viewers {
		s.entries = append(s.entries, staticEntry{hash: HashToken(token), viewer: v})
	}
	return s
}

// Authenticate implements Authenticator. It compares the token's hash with
// every known hash in constant time, so that timing reveals nothing about
// which tokens exist.
func (s *Static) Authenticate(_ context.Context, token string) (*providers.Viewer, error) {
	h := HashToken(token)
	var found *providers.Viewer
	for _, e := range s.entries {
		if subtle.ConstantTimeCompare(h[:], e.hash[:]) == 1 {
			found = e.viewer
		}
	}
	if found == nil {
		return nil, ErrInvalidToken
	}
	return found, nil
}
