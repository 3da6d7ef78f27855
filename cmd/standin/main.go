// Command standin serves the out-of-process benchmark's plain net/http
// stand-in (internal/standin) over the simulators a `groupgraph simulate`
// process runs: it reads their description from -sandbox and answers the
// benchmark's query at /graphql, with /healthz for readiness and /stats
// counting the queries it answered.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/groupgraph/groupgraph/internal/standin"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "standin:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", "127.0.0.1:8090", "address to serve on")
	sandboxURL := flag.String("sandbox", "", "the simulators' description: URL of a `groupgraph simulate` control endpoint's /sandbox")
	flag.Parse()
	if *sandboxURL == "" {
		return fmt.Errorf("-sandbox is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hc := &http.Client{Timeout: 30 * time.Second}
	resp, err := hc.Get(*sandboxURL)
	if err != nil {
		return err
	}
	var sb standin.Sandbox
	err = json.NewDecoder(resp.Body).Decode(&sb)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("reading %s: %w", *sandboxURL, err)
	}
	s, err := standin.New(sb)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", s)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("/stats", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int64{"served": s.Served()})
	})
	srv := &http.Server{Addr: *listen, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}
