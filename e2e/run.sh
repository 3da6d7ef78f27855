#!/usr/bin/env bash
# run.sh drives the GraphQL playground in headless Chromium (playground.test.mjs).
# It installs what is missing first: Debian's chromium package and the pinned
# playwright-core from package-lock.json.
#
# Usage:
#   PLAYGROUND_URL=http://127.0.0.1:8080/playground [QUERY=... EXPECT=...] e2e/run.sh
#
# E2E_SERVER_CMD, if set, is a command that starts the server first (in the
# background, from the repository root); run.sh waits up to E2E_SERVER_WAIT
# seconds (default 180) for PLAYGROUND_URL to answer, and stops it at the end.
# The other variables are read by playground.test.mjs (see its header).
#
# Exit status: 0 when the test passed, or when a missing tool could not be
# installed (a line starting with "SKIP:" says why); 1 when the test failed
# or the server never came up; 2 on a usage error.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
chromium_bin="${CHROMIUM:-/usr/bin/chromium}"

skip() {
  echo "SKIP: browser test not run: $*"
  exit 0
}

# as_root runs a command as root, through sudo when needed and possible.
as_root() {
  if [[ "$(id -u)" == 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    return 126
  fi
}

apt_updated=""
apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 127
  if [[ -z "$apt_updated" ]]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return $?
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

if [[ -z "${PLAYGROUND_URL:-}" ]]; then
  echo "run.sh: PLAYGROUND_URL must be set, e.g. PLAYGROUND_URL=http://127.0.0.1:8080/playground" >&2
  exit 2
fi

if [[ ! -x "$chromium_bin" ]]; then
  echo "run.sh: installing chromium"
  apt_install chromium || skip "$chromium_bin is missing and 'apt-get install chromium' failed (not root, no apt-get, or no package mirror)"
  [[ -x "$chromium_bin" ]] || skip "$chromium_bin is still missing after installing chromium"
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "run.sh: installing nodejs and npm"
  apt_install nodejs npm || skip "node or npm is missing and could not be installed"
fi
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  skip "node $(node --version) is older than 20, which playground.test.mjs needs"

want="$(node -p 'require(process.argv[1]).devDependencies["playwright-core"]' "$here/package.json")"
have="$(cd "$here" && node -p 'require("playwright-core/package.json").version' 2>/dev/null || true)"
if [[ "$have" != "$want" ]]; then
  echo "run.sh: installing playwright-core $want"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) ||
    skip "'npm ci' in e2e/ failed, so playwright-core $want could not be installed"
fi

server_pid=""
stop_server() {
  if [[ -n "$server_pid" ]]; then
    # The server runs in its own process group (setsid), which also holds
    # the program that 'go run' builds and starts.
    kill -TERM -- "-$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=""
  fi
}
trap stop_server EXIT

if [[ -n "${E2E_SERVER_CMD:-}" ]]; then
  echo "run.sh: starting server: $E2E_SERVER_CMD"
  (cd "$root" && exec setsid bash -c "$E2E_SERVER_CMD") &
  server_pid=$!
  if ! node -e '
    const [url, secs] = [process.argv[1], Number(process.argv[2])];
    const until = Date.now() + secs * 1000;
    (async () => {
      while (Date.now() < until) {
        try { if ((await fetch(url)).ok) process.exit(0); } catch {}
        await new Promise((r) => setTimeout(r, 500));
      }
      process.exit(1);
    })();' "$PLAYGROUND_URL" "${E2E_SERVER_WAIT:-180}"; then
    echo "run.sh: $PLAYGROUND_URL did not answer within ${E2E_SERVER_WAIT:-180}s" >&2
    exit 1
  fi
fi

cd "$root" && CHROMIUM="$chromium_bin" node --test "$here/playground.test.mjs"
