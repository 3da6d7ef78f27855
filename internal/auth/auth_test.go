package auth_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/internal/dependency"
	"github.com/groupgraph/groupgraph/providers"
)

func TestMiddleware(t *testing.T) {
	alice := &providers.Viewer{ID: "1", Name: "alice"}
	a := auth.NewStatic(map[string]*providers.Viewer{"s3cret-token": alice})
	var seen *providers.Viewer
	h := auth.Middleware(a, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = providers.ViewerFromContext(r.Context())
		w.WriteHeader(http.StatusNoContent)
	}))
	tests := []struct {
		name       string
		header     string
		wantStatus int
		wantViewer *providers.Viewer
	}{
		{"no header goes on anonymously", "", http.StatusNoContent, nil},
		{"a known token resolves to its viewer", "Bearer s3cret-token", http.StatusNoContent, alice},
		{"the scheme is case-insensitive", "bearer s3cret-token", http.StatusNoContent, alice},
		{"an unknown token is refused", "Bearer nope", http.StatusUnauthorized, nil},
		{"another scheme is refused", "Basic s3cret-token", http.StatusUnauthorized, nil},
		{"an empty token is refused", "Bearer ", http.StatusUnauthorized, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen = nil
			req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if seen != tt.wantViewer {
				t.Fatalf("viewer = %v, want %v", seen, tt.wantViewer)
			}
			if rec.Code == http.StatusUnauthorized {
				body := rec.Body.String()
				if !strings.Contains(body, `"UNAUTHENTICATED"`) || rec.Header().Get("WWW-Authenticate") == "" {
					t.Errorf("401 without code or WWW-Authenticate: %s", body)
				}
				if strings.Contains(body, "s3cret") || strings.Contains(body, "nope") {
					t.Errorf("401 body echoes the token: %s", body)
				}
			}
		})
	}
}

func TestStaticRejectsUnknownTokens(t *testing.T) {
	a := auth.NewStatic(map[string]*providers.Viewer{"t1": {Name: "a"}})
	if _, err := a.Authenticate(context.Background(), "t2"); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("err = %v, want ErrInvalidToken", err)
	}
}

// failingStore is an authenticator whose store is down.
type failingStore struct{}

func (failingStore) Authenticate(context.Context, string) (*providers.Viewer, error) {
	return nil, errors.New("auth: looking the token up: dial tcp 10.0.0.5:5432: connection refused")
}

// A token that cannot be checked because the store is down is not an
// invalid token: answering 401 would make every client sign its user out
// during an outage. It is a masked INTERNAL error, logged with its cause.
func TestMiddlewareTellsAStoreFailureFromABadToken(t *testing.T) {
	var logs strings.Builder
	h := auth.MiddlewareWithLogger(failingStore{}, slog.New(slog.NewJSONHandler(&logs, nil)), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the request went on without a viewer")
	}))
	req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	req.Header.Set("Authorization", "Bearer ggp_whatever")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body := rec.Body.String()
	if rec.Code != http.StatusInternalServerError || !strings.Contains(body, `"INTERNAL"`) || rec.Header().Get("WWW-Authenticate") != "" {
		t.Fatalf("status %d, WWW-Authenticate %q, body %s; want a 500 INTERNAL", rec.Code, rec.Header().Get("WWW-Authenticate"), body)
	}
	if strings.Contains(body, "dial tcp") {
		t.Errorf("the body shows the cause: %s", body)
	}
	if !strings.Contains(logs.String(), "connection refused") || strings.Contains(logs.String(), "ggp_whatever") {
		t.Errorf("the log lacks the cause or shows the token: %s", logs.String())
	}
}

// unavailableStore is an authenticator whose store's guard reports an outage.
type unavailableStore struct{}

func (unavailableStore) Authenticate(context.Context, string) (*providers.Viewer, error) {
	return nil, fmt.Errorf("auth: looking the token up: %w", &dependency.Error{Dependency: "store", Err: context.DeadlineExceeded})
}

// A token that cannot be checked because the store is unavailable is 503
// STORE_UNAVAILABLE with Retry-After, not 401 (which would sign the user
// out) nor 500 (which would page someone for a bug), and logged at debug
// level only: the guard logs the outage once.
func TestMiddlewareAnswersAStoreOutageWithItsOwnCode(t *testing.T) {
	var logs strings.Builder
	h := auth.MiddlewareWithLogger(unavailableStore{}, slog.New(slog.NewJSONHandler(&logs, nil)), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the request went on without a viewer")
	}))
	req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	req.Header.Set("Authorization", "Bearer ggp_whatever")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"STORE_UNAVAILABLE"`) || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("status %d, Retry-After %q, body %s; want 503 STORE_UNAVAILABLE with Retry-After 1", rec.Code, rec.Header().Get("Retry-After"), rec.Body.String())
	}
	if logs.Len() != 0 {
		t.Errorf("logged at info level or above: %s", logs.String())
	}
}
