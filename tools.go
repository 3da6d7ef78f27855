//go:build tools

// Package main's tools file pins the code generator, so that `go generate`
// runs the gqlgen version go.mod names.
package main

import _ "github.com/99designs/gqlgen"
