package apq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// maxManifestBytes bounds a manifest; real ones are well under a megabyte.
const maxManifestBytes = 64 << 20

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// apolloManifest is the file `generate-persisted-query-manifest` writes.
type apolloManifest struct {
	Format     string `json:"format"`
	Version    int    `json:"version"`
	Operations []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
		Body string `json:"body"`
	} `json:"operations"`
}

// ImportManifest loads a client's persisted-query manifest into store and
// returns how many documents it registered. It reads both formats clients
// produce:
//
//   - Apollo's persisted query manifest: {"format":
//     "apollo-persisted-query-manifest", "version": 1, "operations": [{"id",
//     "name", "type", "body"}]};
//   - Relay's persisted queries file: {"<id>": "<document>", ...}.
//
// Every document is registered under its SHA-256, the hash APQ clients
// send; an ID that differs from it (Relay's MD5 IDs, say) is registered
// too, so that clients may send either. A store that is Permanent keeps
// them whatever clients register later. An ID that looks like a SHA-256 but
// does not match its document is refused: it would run another document
// than the client means.
func ImportManifest(ctx context.Context, store Store, r io.Reader) (int, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxManifestBytes+1))
	if err != nil {
		return 0, fmt.Errorf("reading manifest: %w", err)
	}
	if len(raw) > maxManifestBytes {
		return 0, fmt.Errorf("manifest larger than %d bytes", maxManifestBytes)
	}
	docs, err := parseManifest(raw)
	if err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	add := store.Add
	if p, ok := store.(Permanent); ok {
		add = p.AddPermanent
	}
	for _, d := range docs {
		h := Hash(d.body)
		add(ctx, h, d.body)
		if d.id != "" && d.id != h {
			add(ctx, d.id, d.body)
		}
	}
	return len(docs), nil
}

type manifestDoc struct{ id, body string }

func parseManifest(raw []byte) ([]manifestDoc, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("manifest is not a JSON object: %w", err)
	}
	var docs []manifestDoc
	if _, apollo := probe["operations"]; apollo {
		var m apolloManifest
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("apollo manifest: %w", err)
		}
		if m.Format != "" && m.Format != "apollo-persisted-query-manifest" {
			return nil, fmt.Errorf("apollo manifest: unknown format %q", m.Format)
		}
		if m.Version > 1 {
			return nil, fmt.Errorf("apollo manifest: unsupported version %d", m.Version)
		}
		for i, op := range m.Operations {
			docs = append(docs, manifestDoc{id: op.ID, body: op.Body})
			if op.Body == "" {
				return nil, fmt.Errorf("apollo manifest: operation %d has no body", i)
			}
		}
	} else {
		for id, v := range probe {
			var body string
			if err := json.Unmarshal(v, &body); err != nil {
				return nil, fmt.Errorf("relay manifest: entry %q is not a string", id)
			}
			if body == "" {
				return nil, fmt.Errorf("relay manifest: entry %q is empty", id)
			}
			docs = append(docs, manifestDoc{id: id, body: body})
		}
	}
	if len(docs) == 0 {
		return nil, errors.New("manifest has no operations")
	}
	for _, d := range docs {
		if id := strings.ToLower(d.id); sha256Hex.MatchString(id) && id != Hash(d.body) {
			return nil, fmt.Errorf("manifest entry %s: the id is a SHA-256 that does not match its document", d.id)
		}
	}
	return docs, nil
}
