package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/groupgraph/groupgraph/internal/apq"
	"github.com/groupgraph/groupgraph/internal/telemetry"
)

// persistedQueries is Automatic Persisted Queries (Apollo's protocol:
// extensions.persistedQuery {version: 1, sha256Hash}) with an optional
// safelist mode. Without a safelist a client may register any document
// by sending it with its hash once; with a safelist only documents loaded
// from a manifest run, whether sent by hash or in full.
type persistedQueries struct {
	store    apq.Store // nil: persisted queries are off
	safelist bool
	metrics  *telemetry.Metrics
}

var (
	_ graphql.HandlerExtension          = persistedQueries{}
	_ graphql.OperationParameterMutator = persistedQueries{}
)

// ExtensionName implements graphql.HandlerExtension.
func (persistedQueries) ExtensionName() string { return "GroupgraphPersistedQueries" }

// Validate implements graphql.HandlerExtension.
func (persistedQueries) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters implements graphql.OperationParameterMutator.
func (p persistedQueries) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	ext, hasExt := params.Extensions["persistedQuery"]
	if !hasExt {
		if p.safelist && params.Query != "" {
			if _, ok := p.lookup(ctx, apq.Hash(params.Query)); !ok {
				return limitError(CodePersistedQueryNotInList, "this server runs only registered documents; send a persisted query's hash", nil)
			}
		}
		return nil
	}
	pq, ok := ext.(map[string]any)
	if !ok {
		return limitError(CodeBadRequest, "extensions.persistedQuery must be an object", nil)
	}
	if fmt.Sprint(pq["version"]) != "1" {
		return limitError(CodeBadRequest, "extensions.persistedQuery.version must be 1", nil)
	}
	hash, _ := pq["sha256Hash"].(string)
	hash = strings.ToLower(hash)
	if hash == "" {
		return limitError(CodeBadRequest, "extensions.persistedQuery.sha256Hash is missing", nil)
	}
	if p.store == nil {
		return limitError(CodePersistedQueryNotSupp, "persisted queries are not supported by this server", nil)
	}
	if params.Query == "" {
		q, ok := p.lookup(ctx, hash)
		if !ok {
			if p.safelist {
				return limitError(CodePersistedQueryNotInList, "no registered document has this hash", nil)
			}
			return limitError(CodePersistedQueryMissing, "PersistedQueryNotFound", nil)
		}
		params.Query = q
		return nil
	}
	if apq.Hash(params.Query) != hash {
		return limitError(codeBadUserInput, "extensions.persistedQuery.sha256Hash does not match the query", nil)
	}
	if p.safelist {
		if _, ok := p.lookup(ctx, hash); !ok {
			return limitError(CodePersistedQueryNotInList, "this document is not registered on this server", nil)
		}
		return nil
	}
	p.store.Add(ctx, hash, params.Query)
	return nil
}

func (p persistedQueries) lookup(ctx context.Context, hash string) (string, bool) {
	if p.store == nil {
		return "", false
	}
	q, ok := p.store.Get(ctx, hash)
	p.metrics.CacheLookup("apq", ok)
	return q, ok
}
