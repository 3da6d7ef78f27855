// Command groupgraph serves one GraphQL API over the groups a person belongs
// to on Flickr, Upcoming, PageSeeder and the Akana API Platform.
//
// This file holds what only the process has: the garbage collector's
// target, the signals that stop it and its exit status. Everything else,
// from the flags to the wiring, the server's start and its shutdown, is
// app.Run, which the end-to-end tests drive the same way (a main package
// cannot be imported).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/groupgraph/groupgraph/app"
	"github.com/groupgraph/groupgraph/internal/config"
)

// defaultGCPercent is the garbage collector's target when GOGC is not set.
// A query allocates much short-lived memory and keeps little of it: the
// load scenario used 5.8 ms of CPU per query at Go's default of 100 and
// 4.4 ms at 400, for about twice the peak memory. GOGC and GOMEMLIMIT
// still decide when set.
const defaultGCPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.Run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, config.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "groupgraph:", err)
		os.Exit(1)
	}
}
