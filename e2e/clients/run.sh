#!/usr/bin/env bash
# The client suite: Apollo Client, urql with Graphcache, graphql-request,
# Relay and graphql-codegen (the versions pinned in package.json and
# package-lock.json), each with its default settings plus the README's
# "Clients" setup, against sandboxes of a groupgraph built from this
# checkout. Every test file starts its own sandbox on a free loopback
# port.
#
# Usage: e2e/clients/run.sh [test files...]   (default: tests/*.test.mjs)
#
# Exit status: 0 when every test passed, or when node or npm is missing (a
# line starting with "SKIP:" says so); non-zero when a test failed or the
# install or build did.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "SKIP: client suite not run: node or npm is not installed"
  exit 0
fi
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  echo "client suite: node $(node --version) is older than 20, which the suite needs" >&2
  exit 1
fi

(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && go build -o "$tmp/groupgraph" .)

cd "$here"
if [[ $# -eq 0 ]]; then set -- tests/*.test.mjs; fi
GROUPGRAPH_BIN="$tmp/groupgraph" node --test "$@"
