// Package e2e holds groupgraph's end-to-end tests: the whole program started
// through app.Run or app.New (or its HTTP surface through app.NewHandler)
// over the platforms' simulators, with the fault, fuzz, secrets, docs and
// load-scenario tests and the benchmarks. Beside them, playground.test.mjs
// and run.sh drive the playground in headless Chromium.
package e2e
