#!/usr/bin/env bash
# The playground in a real browser against the sandbox: builds groupgraph,
# starts `groupgraph -sandbox`, and has headless Chromium (e2e/run.sh) load
# the playground with every non-loopback host unresolvable, run a
# memberships query that must return all four platforms, leave a group, and
# save a screenshot to test-artifacts/playground.png.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(mktemp -d)/groupgraph"
go build -o "$bin" .
port="${E2E_PORT:-18091}"
sole_flickr_group="$(printf 'gg1:flickr:Group:90000000002@N20' | base64 -w0 | tr '+/' '-_' | tr -d '=')"
export PLAYGROUND_URL="http://127.0.0.1:$port/"
export E2E_SERVER_CMD="$bin -sandbox -listen 127.0.0.1:$port"
export E2E_SERVER_WAIT=60
export QUERY='{ viewer { memberships(first: 100, orderBy: {field: PROVIDER}) { totalCount incompleteProviders nodes { provider role group { name } } } } }'
export EXPECT='"incompleteProviders": []'
export EXPECT_ALSO='"provider": "FLICKR"|"provider": "UPCOMING"|"provider": "PAGESEEDER"|"provider": "AKANA"|"name": "ACME Payments API UG"|"name": "FlickrCentral"'
export MUTATION="mutation { leaveGroup(input: {groupId: \"$sole_flickr_group\", clientMutationId: \"browser\"}) { clientMutationId groupDeleted errors { code } } }"
export EXPECT_MUTATION='"groupDeleted": true'
export EXPECT_DOCS='Query'
export SCREENSHOT="${SCREENSHOT:-test-artifacts/playground.png}"
mkdir -p "$(dirname "$SCREENSHOT")"
bash e2e/run.sh
