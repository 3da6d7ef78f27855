package graph

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/groupgraph/groupgraph/internal/ratelimit"
	"github.com/groupgraph/groupgraph/internal/telemetry"
)

// MaxValidationErrors is how many validation errors a response carries at
// most. Validation stops at the next one and says so, as graphql-js does:
// a document of conflicting fields otherwise yields an error per pair.
const MaxValidationErrors = 100

// parseCostBytes is how many bytes of a document one point of parse
// charge covers: a document the server has not parsed before costs one
// point per started parseCostBytes, charged before it is parsed.
const parseCostBytes = 10_000

// tooManyErrorsMessage is graphql-js's wording for an aborted validation.
const tooManyErrorsMessage = "Too many validation errors, error limit reached. Validation aborted."

// documents is gqlgen's parsed-document cache and, on a miss, the front
// end that fills it: it charges the caller for the parse, parses within the
// token limit, measures the document (prepass.go) and validates it with
// groupgraph's rules, the error count capped. gqlgen trusts a document it
// finds in its cache, so its own parse and validation never run for a
// request of httpTransport. A document that fails is never cached; its
// errors travel to the transport in the request's docOutcome, and gqlgen is
// handed an empty document, which it refuses ("operation not found")
// without further work.
type documents struct {
	lru     graphql.Cache[*ast.QueryDocument]
	schema  *ast.Schema
	rules   []core.Rule
	limits  Limits
	limiter *ratelimit.Limiter
	metrics *telemetry.Metrics
	logger  *slog.Logger
}

var _ graphql.Cache[*ast.QueryDocument] = (*documents)(nil)

// docOutcome carries the errors of a document that failed in documents.Get
// to the transport that asked.
type docOutcome struct {
	errs gqlerror.List
}

type docOutcomeKey struct{}

func withDocOutcome(ctx context.Context) (context.Context, *docOutcome) {
	out := &docOutcome{}
	return context.WithValue(ctx, docOutcomeKey{}, out), out
}

// Get implements graphql.Cache.
func (d *documents) Get(ctx context.Context, query string) (*ast.QueryDocument, bool) {
	if doc, ok := d.lru.Get(ctx, query); ok {
		d.metrics.CacheLookup("query", true)
		return doc, true
	}
	d.metrics.CacheLookup("query", false)
	out, _ := ctx.Value(docOutcomeKey{}).(*docOutcome)
	if out == nil {
		return nil, false
	}
	doc, errs := d.load(ctx, query)
	if len(errs) > 0 {
		out.errs = errs
		return &ast.QueryDocument{}, true
	}
	d.lru.Add(ctx, query, doc)
	return doc, true
}

// Add implements graphql.Cache.
func (d *documents) Add(ctx context.Context, query string, doc *ast.QueryDocument) {
	d.lru.Add(ctx, query, doc)
}

// load charges, parses, measures and validates a document, in that order,
// so that each step's cost is bounded by the one before.
func (d *documents) load(ctx context.Context, query string) (*ast.QueryDocument, gqlerror.List) {
	if err := d.chargeParse(ctx, query); err != nil {
		return nil, gqlerror.List{err}
	}
	tokens := d.limits.MaxTokens
	if tokens < 0 {
		tokens = 0
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, tokens)
	if err != nil {
		gqlErr, ok := err.(*gqlerror.Error)
		if !ok {
			gqlErr = gqlerror.Wrap(err)
		}
		errcode.Set(gqlErr, errcode.ParseFailed)
		return nil, gqlerror.List{gqlErr}
	}
	if doc == nil || len(doc.Operations) == 0 {
		e := gqlerror.Errorf("no operation provided")
		errcode.Set(e, errcode.ValidationFailed)
		return nil, gqlerror.List{e}
	}
	if err := d.limits.checkSize(measure(doc)); err != nil {
		return nil, gqlerror.List{err}
	}
	if errs := validate(d.schema, doc, d.rules); len(errs) > 0 {
		for _, e := range errs {
			errcode.Set(e, errcode.ValidationFailed)
		}
		return nil, errs
	}
	return doc, nil
}

// chargeParse takes the parse's points from the caller's rate-limit
// budget: documents the cache does not hold are the ones that cost CPU,
// and invalid ones never reach the charge of the operation (guard), so
// without this a flood of them would be free.
func (d *documents) chargeParse(ctx context.Context, query string) *gqlerror.Error {
	if d.limiter == nil {
		return nil
	}
	res, err := d.limiter.Take(ctx, callerKey(ctx), 1+len(query)/parseCostBytes)
	if err != nil {
		d.logger.WarnContext(ctx, "rate limit store failed; letting the request through", "err", err)
		return nil
	}
	if graphql.HasOperationContext(ctx) {
		graphql.GetOperationContext(ctx).Stats.SetExtension(rateLimitStats, &res)
	}
	if res.Allowed {
		return nil
	}
	d.metrics.RateLimited()
	return rateLimitError(res)
}

// validationRules are gqlparser's rules with two changes: field merging is
// checked by mergeRule (overlap.go), which is linear where gqlparser's is
// quadratic in the fields sharing a response name; and without suggestions
// every rule that offers "did you mean" runs in its variant that does not,
// which also skips computing the suggestions.
func validationRules(suggestions bool) []core.Rule {
	set := rules.NewDefaultRules()
	set.RemoveRule(rules.OverlappingFieldsCanBeMergedRule.Name)
	set.AddRule(mergeRule.Name, mergeRule.RuleFunc)
	if !suggestions {
		for _, r := range []struct {
			with    string
			without core.Rule
		}{
			{rules.FieldsOnCorrectTypeRule.Name, rules.FieldsOnCorrectTypeRuleWithoutSuggestions},
			{rules.KnownArgumentNamesRule.Name, rules.KnownArgumentNamesRuleWithoutSuggestions},
			{rules.KnownTypeNamesRule.Name, rules.KnownTypeNamesRuleWithoutSuggestions},
			{rules.ScalarLeafsRule.Name, rules.ScalarLeafsRuleWithoutSuggestions},
			{rules.ValuesOfCorrectTypeRule.Name, rules.ValuesOfCorrectTypeRuleWithoutSuggestions},
		} {
			set.RemoveRule(r.with)
			set.AddRule(r.without.Name, r.without.RuleFunc)
		}
	}
	inner := set.GetInner()
	out := make([]core.Rule, 0, len(inner))
	for name, fn := range inner {
		out = append(out, core.Rule{Name: name, RuleFunc: fn})
	}
	// The map's order is random; errors come in a stable order.
	slices.SortFunc(out, func(a, b core.Rule) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// abortValidation is the panic that stops the walk once the error limit
// is reached; validate recovers it and nothing else.
type abortValidation struct{}

// validate runs the rules over doc and returns at most
// MaxValidationErrors errors, followed by one saying that validation
// stopped when there would have been more.
func validate(schema *ast.Schema, doc *ast.QueryDocument, rs []core.Rule) (errs gqlerror.List) {
	observers := &core.Events{}
	for _, r := range rs {
		name := r.Name
		r.RuleFunc(observers, func(opts ...core.ErrorOption) {
			if len(errs) >= MaxValidationErrors {
				errs = append(errs, &gqlerror.Error{
					Message:    tooManyErrorsMessage,
					Extensions: map[string]any{"errorLimit": MaxValidationErrors},
				})
				panic(abortValidation{})
			}
			e := &gqlerror.Error{Rule: name}
			for _, o := range opts {
				o(e)
			}
			errs = append(errs, e)
		})
	}
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(abortValidation); !ok {
				panic(v)
			}
		}
	}()
	core.Walk(schema, doc, observers)
	return errs
}

// checkSize refuses a document larger than MaxSelections.
func (l Limits) checkSize(s docSize) *gqlerror.Error {
	if l.MaxSelections > 0 && s.selections > l.MaxSelections {
		return limitError(CodeSelectionLimitExceeded,
			fmt.Sprintf("the document has %d selections, fragments counted where they are spread; at most %d are allowed", s.selections, l.MaxSelections),
			map[string]any{"selections": s.selections, "maxSelections": l.MaxSelections})
	}
	return nil
}
