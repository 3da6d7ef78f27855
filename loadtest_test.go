package main

import (
	"io"
	"log/slog"
	"net/http"

	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/providers"
)

// buildStack wires groupgraph exactly as the server does (newUpstreams,
// newProviders, newHandler), for the load scenarios, benchmarks and fault
// tests.
func buildStack(cfg config.Config, viewers map[string]*providers.Viewer) (http.Handler, *providers.Registry, func(), error) {
	up, err := newUpstreams(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	ps, err := newProviders(cfg.Providers, up)
	if err != nil {
		up.close()
		return nil, nil, nil, err
	}
	reg := providers.NewRegistry(ps...)
	h := newHandler(cfg, reg, auth.NewStatic(viewers), "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	return h, reg, up.close, nil
}
