#!/usr/bin/env bash
# fetch-playground-assets.sh downloads the GraphiQL playground's browser
# bundles from the npm registry and vendors them into internal/playground/assets,
# so the binary serves the playground with no CDN and works offline.
#
# It is idempotent: running it again with the same pinned versions rewrites
# byte-identical files and VERSIONS.md. To upgrade, change a version below,
# re-run, and review the SRI changes in VERSIONS.md.
#
# Requires: bash, npm, node, tar, base64, and openssl (or sha256sum and xxd).
set -euo pipefail

# package@version, file inside the tarball (under package/), destination name.
# GraphiQL 4.1.2 is the last release with a standalone UMD build; React UMD
# builds exist only up to React 18. The optional @graphiql/plugin-explorer is
# left out: its tarball ships no license text to vendor beside it.
ASSETS=(
  "graphiql@4.1.2 graphiql.min.js graphiql/graphiql.min.js"
  "graphiql@4.1.2 graphiql.min.css graphiql/graphiql.min.css"
  "react@18.2.0 umd/react.production.min.js react/react.production.min.js"
  "react-dom@18.2.0 umd/react-dom.production.min.js react-dom/react-dom.production.min.js"
)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/internal/playground/assets"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# sri prints a file's Subresource Integrity value: base64 of its raw SHA-256.
sri() {
  if command -v openssl >/dev/null 2>&1; then
    echo "sha256-$(openssl dgst -sha256 -binary "$1" | base64 -w0)"
  else
    echo "sha256-$(sha256sum "$1" | cut -d' ' -f1 | xxd -r -p | base64 -w0)"
  fi
}

# Unpack each distinct package once.
declare -A unpacked=()
for entry in "${ASSETS[@]}"; do
  read -r spec _ _ <<<"$entry"
  [[ -n "${unpacked[$spec]:-}" ]] && continue
  dir="$work/$(echo "$spec" | tr '@/' '__')"
  mkdir -p "$dir"
  tarball="$(cd "$dir" && npm pack --silent "$spec" 2>/dev/null | tail -n1)"
  tar -xzf "$dir/$tarball" -C "$dir"
  unpacked[$spec]="$dir/package"
done

rm -rf "$dest"
mkdir -p "$dest"

versions="$dest/VERSIONS.md"
{
  echo "# Vendored playground assets"
  echo
  echo "Written by \`scripts/fetch-playground-assets.sh\` from the npm registry; do not edit by hand."
  echo "The SRI values are the ones the playground page puts in its \`integrity\` attributes."
  echo
  echo "| package | version | file | size (bytes) | SRI | license |"
  echo "| --- | --- | --- | ---: | --- | --- |"
} >"$versions"

declare -A licensed=()
for entry in "${ASSETS[@]}"; do
  read -r spec src name <<<"$entry"
  pkgdir="${unpacked[$spec]}"
  pkg="${spec%@*}"
  version="${spec##*@}"
  mkdir -p "$dest/$(dirname "$name")"
  cp "$pkgdir/$src" "$dest/$name"
  chmod 0644 "$dest/$name"

  license="$(node -e 'process.stdout.write(String(require(process.argv[1]).license || "UNKNOWN"))' "$pkgdir/package.json")"
  # Keep each package's license text next to its files.
  if [[ -z "${licensed[$spec]:-}" ]]; then
    lic="$(find "$pkgdir" -maxdepth 1 -iname 'LICENSE*' | head -n1)"
    if [[ -z "$lic" ]]; then
      echo "no LICENSE file in $spec" >&2
      exit 1
    fi
    cp "$lic" "$dest/$(dirname "$name")/LICENSE"
    chmod 0644 "$dest/$(dirname "$name")/LICENSE"
    licensed[$spec]=1
  fi

  size="$(wc -c <"$dest/$name" | tr -d ' ')"
  echo "| $pkg | $version | $name | $size | \`$(sri "$dest/$name")\` | $license ($(dirname "$name")/LICENSE) |" >>"$versions"
done

echo "wrote $(find "$dest" -type f | wc -l) files to ${dest#"$root"/}"
