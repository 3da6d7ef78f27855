package graph

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/ravilushqa/otelgqlgen"
	"go.opentelemetry.io/otel/trace"
)

// operationTracer gives every GraphQL operation a span, and every root
// field its own child span; deeper fields get none, so tracing costs a few
// spans per request rather than one per resolved value. Variable values
// are never recorded.
func operationTracer(tp trace.TracerProvider) graphql.HandlerExtension {
	return otelgqlgen.Middleware(
		otelgqlgen.WithTracerProvider(tp),
		otelgqlgen.WithoutVariables(),
		otelgqlgen.WithCreateSpanFromFields(func(fc *graphql.FieldContext) bool {
			return fc.Object == "Query" || fc.Object == "Mutation"
		}),
	)
}
