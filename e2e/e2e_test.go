package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/groupgraph/groupgraph/app"
	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/internal/edge"
	"github.com/groupgraph/groupgraph/providers"
)

// e2e is groupgraph's whole HTTP surface over real provider clients talking
// to their simulators, as app.NewHandler builds it for the server.
type e2e struct {
	t *testing.T
	h http.Handler
}

func newE2E(t *testing.T, ps []providers.Provider, viewers map[string]*providers.Viewer) *e2e {
	t.Helper()
	cfg := config.Default()
	cfg.Playground = true
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	e, err := edge.New(context.Background(), cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	h := app.NewHandler(cfg, providers.NewRegistry(ps...), auth.NewStatic(viewers), "", logger, nil, e)
	return &e2e{t: t, h: h}
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// do runs an operation as the viewer with the given token and decodes its
// data into out; it fails the test on any error unless allowErrors.
func (e *e2e) do(token, query string, vars map[string]any, out any, allowErrors bool) gqlResponse {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	var r gqlResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		e.t.Fatalf("status %d, body not JSON: %s", rec.Code, rec.Body.String())
	}
	if !allowErrors && (len(r.Errors) > 0 || rec.Code != http.StatusOK) {
		e.t.Fatalf("status %d, errors %+v", rec.Code, r.Errors)
	}
	if out != nil && len(r.Data) > 0 && string(r.Data) != "null" {
		if err := json.Unmarshal(r.Data, out); err != nil {
			e.t.Fatalf("decoding %s: %v", r.Data, err)
		}
	}
	return r
}

// membershipNode is the shape the end-to-end tests read.
type membershipNode struct {
	ID             string
	Role           string
	ProviderRole   *string
	Status         string
	ProviderStatus *string
	Inherited      bool
	ViewerCanLeave bool
	Group          groupNode
}

type groupNode struct {
	ID            string
	ProviderID    string
	Name          string
	Description   *string
	URL           *string
	IconURL       *string
	MemberCount   *int
	TopicCount    *int
	PoolCount     *int
	Visibility    *string
	JoinPolicy    *string
	AgeRestricted *bool
	CreatedAt     *string
	Owner         *struct{ ProviderID string }
	Details       map[string]any
}

func byProviderID(nodes []membershipNode) map[string]membershipNode {
	out := map[string]membershipNode{}
	for _, n := range nodes {
		out[n.Group.ProviderID] = n
	}
	return out
}

func globalGroupID(k providers.Kind, native string) string {
	return encodeForTest("gg1:" + string(k) + ":Group:" + native)
}

func firstError(r gqlResponse) (code, msg string) {
	if len(r.Errors) == 0 {
		return "", ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c, r.Errors[0].Message
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
