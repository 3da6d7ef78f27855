// Package resilience keeps groupgraph fast, polite and standing when its
// upstream platforms are slow, failing or stingy with their rate limits.
//
// It knows no platform. Wrap decorates any providers.Provider with retries
// for reads (jittered exponential backoff within a retry budget, honouring
// Retry-After and the caller's deadline), a circuit breaker that counts only
// the failures that mean the platform is unhealthy, and a shared cache of
// public group details with in-flight coalescing across requests. Budget is
// an upstream call budget per API key, enforced in the HTTP transport, in
// memory or shared between instances through Redis. NewHTTPClient builds the
// tuned *http.Client each platform client is given, so that the budget and a
// metrics RoundTripper can be stacked on it.
//
// The layers compose from the outside in: GraphQL loaders → Provider (cache,
// coalescing, retries, breaker) → platform client → *http.Client (budget,
// metrics) → network. A cache hit therefore never spends budget, and a
// refused budget surfaces as providers.ErrRateLimited like any platform
// limit would.
package resilience
