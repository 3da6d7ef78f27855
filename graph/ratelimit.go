package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/groupgraph/groupgraph/graph/model"
	"github.com/groupgraph/groupgraph/internal/dependency"
	"github.com/groupgraph/groupgraph/internal/ratelimit"
	"github.com/groupgraph/groupgraph/providers"
)

// charge takes the operation's cost from the caller's rate-limit budget.
// The caller is the viewer, or the client address when anonymous. When the
// limiter's store fails the request goes through: an outage of the store
// must not become an outage of the API.
func (g *guard) charge(ctx context.Context, opCtx *graphql.OperationContext, complexity int) *gqlerror.Error {
	if g.limiter == nil {
		return nil
	}
	res, err := g.limiter.Take(ctx, callerKey(ctx), ratelimit.CostOf(complexity))
	if err != nil {
		level := slog.LevelWarn
		if errors.Is(err, dependency.ErrUnavailable) {
			level = slog.LevelDebug // the dependency's guard logs the outage once
		}
		g.logger.Log(ctx, level, "rate limit store failed; letting the request through", "err", err)
		return nil
	}
	opCtx.Stats.SetExtension(rateLimitStats, &res)
	if res.Allowed {
		return nil
	}
	g.metrics.RateLimited()
	return rateLimitError(res)
}

// callerKey is whom the rate limiter charges: the viewer, or when
// anonymous the client's address. IPv6 addresses count by /64, the
// smallest block a site is given: one host holds a whole /64 and could
// otherwise take a fresh budget with every address of it.
func callerKey(ctx context.Context) string {
	if v := providers.ViewerFromContext(ctx); v != nil {
		return "viewer:" + v.ID
	}
	return "ip:" + addressGroup(httpRequestFrom(ctx).clientIP)
}

// addressGroup is an IPv4 address as it is, an IPv6 address as its /64,
// and anything else (a Unix socket's empty address) as it is.
func addressGroup(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is4() {
		return addr.String()
	}
	p, err := addr.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

// rateLimitError is the RATE_LIMITED refusal of res.
func rateLimitError(res ratelimit.Result) *gqlerror.Error {
	return limitError(CodeRateLimited, fmt.Sprintf(
		"rate limit exceeded: this operation costs %d points and %d of %d remain until %s",
		res.Cost, res.Remaining(), res.Limit, res.ResetAt.UTC().Format(time.RFC3339)),
		map[string]any{"cost": res.Cost, "remaining": res.Remaining(), "limit": res.Limit, "resetAt": res.ResetAt.UTC().Format(time.RFC3339)})
}

func rateLimitOf(opCtx *graphql.OperationContext) *ratelimit.Result {
	if opCtx == nil {
		return nil
	}
	res, _ := opCtx.Stats.GetExtension(rateLimitStats).(*ratelimit.Result)
	return res
}

// setRateLimitHeaders sets GitHub's X-RateLimit-* headers (and Retry-After
// when refused) once the operation has been charged.
func setRateLimitHeaders(h http.Header, opCtx *graphql.OperationContext) {
	res := rateLimitOf(opCtx)
	if res == nil {
		return
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(res.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(res.Remaining()))
	h.Set("X-RateLimit-Used", strconv.Itoa(res.Used))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(res.ResetAt.Unix(), 10))
	h.Set("X-RateLimit-Resource", "graphql")
	if !res.Allowed {
		h.Set("Retry-After", strconv.Itoa(max(1, int(time.Until(res.ResetAt).Seconds()+0.999))))
	}
}

// rateLimitInfo answers Query.rateLimit from what the guard charged for
// this operation; null when rate limiting is off.
func rateLimitInfo(ctx context.Context) *model.RateLimit {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	res := rateLimitOf(graphql.GetOperationContext(ctx))
	if res == nil {
		return nil
	}
	return &model.RateLimit{Limit: res.Limit, Cost: res.Cost, Remaining: res.Remaining(), Used: res.Used, ResetAt: res.ResetAt.UTC()}
}
