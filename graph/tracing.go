package graph

import (
	"context"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// operationTracer gives every GraphQL operation a span, and every root
// field its own child span; deeper fields get none, so tracing costs a few
// spans per request rather than one per resolved value.
//
// Spans carry the operation's name and type, the fields' paths, and the
// error codes, never the document, an argument or a variable, nor an error
// message: a client may write a password straight into the document
// (linkAkanaAccount(input: {password: "…"})), and a trace backend is read
// by more people than the request log.
func operationTracer(tp trace.TracerProvider) graphql.HandlerExtension {
	return tracer{t: tp.Tracer("github.com/groupgraph/groupgraph/graph")}
}

type tracer struct{ t trace.Tracer }

var (
	_ graphql.HandlerExtension    = tracer{}
	_ graphql.ResponseInterceptor = tracer{}
	_ graphql.FieldInterceptor    = tracer{}
)

// ExtensionName implements graphql.HandlerExtension.
func (tracer) ExtensionName() string { return "GroupgraphTracing" }

// Validate implements graphql.HandlerExtension.
func (tracer) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse implements graphql.ResponseInterceptor: the operation
// span.
func (t tracer) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	name, kind := oc.OperationName, ""
	if oc.Operation != nil {
		if name == "" {
			name = oc.Operation.Name
		}
		kind = string(oc.Operation.Operation)
	}
	attrs := []attribute.KeyValue{attribute.String("graphql.operation.type", kind)}
	if name != "" {
		attrs = append(attrs, attribute.String("graphql.operation.name", name))
	} else {
		name = "anonymous"
	}
	ctx, span := t.t.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
	defer span.End()
	resp := next(ctx)
	if resp != nil {
		setErrorStatus(span, resp.Errors)
	}
	return resp
}

// InterceptField implements graphql.FieldInterceptor: a span for each
// root field.
func (t tracer) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || (fc.Object != "Query" && fc.Object != "Mutation") {
		return next(ctx)
	}
	ctx, span := t.t.Start(ctx, fc.Object+"/"+fc.Field.Name, trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(
			attribute.String("graphql.field.path", fc.Path().String()),
			attribute.String("graphql.field.object", fc.Object),
			attribute.String("graphql.field.name", fc.Field.Name),
		))
	defer span.End()
	resp, err := next(ctx)
	setErrorStatus(span, graphql.GetFieldErrors(ctx, fc))
	return resp, err
}

// setErrorStatus marks span failed with the errors' codes, not their
// messages.
func setErrorStatus(span trace.Span, errs gqlerror.List) {
	if len(errs) == 0 {
		return
	}
	seen := map[string]bool{}
	for _, e := range errs {
		c, _ := e.Extensions["code"].(string)
		if c == "" {
			c = "UNKNOWN"
		}
		seen[c] = true
	}
	list := make([]string, 0, len(seen))
	for c := range seen {
		list = append(list, c)
	}
	sort.Strings(list)
	span.SetAttributes(attribute.StringSlice("graphql.error.codes", list), attribute.Int("graphql.error.count", len(errs)))
	span.SetStatus(codes.Error, strings.Join(list, ","))
}
