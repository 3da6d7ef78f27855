package e2e

import (
	"encoding/json"
	"net/http"
	"testing"
)

// response is a decoded GraphQL response of the graph-level tests over
// the simulators.
type response struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []responseError `json:"errors"`
}

type responseError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func (r response) code(i int) string { s, _ := r.Errors[i].Extensions["code"].(string); return s }

// decode unmarshals the data into v.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decoding data %s: %v", r.Data, err)
	}
}

func (r response) mustSucceed(t *testing.T) response {
	t.Helper()
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		t.Fatalf("status %d, errors %+v", r.Status, r.Errors)
	}
	return r
}
