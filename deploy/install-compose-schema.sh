#!/usr/bin/env bash
# Installs the Compose Specification JSON schema that the deploy tests validate
# docker-compose.yml against. It is taken from the PyPI wheel check-jsonschema==0.39.0, which
# vendors it (Apache-2.0, licence file alongside), checking the wheel's sha256. Does nothing when
# it is already there. Prints the schema's path.
set -euo pipefail
WHEEL_VERSION=0.39.0
WHEEL_SHA256=14ce5c94871c551268ea948ffe21e9f1464dc48fb20bf9a4c13deeaaf756cf9b
dest="${NEWSFLOW_COMPOSE_SCHEMA:-${XDG_CACHE_HOME:-$HOME/.cache}/newsflow/compose-spec-${WHEEL_VERSION}/compose-spec.json}"
if [ -s "$dest" ]; then
  echo "$dest"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: \
  "check-jsonschema==${WHEEL_VERSION}" -d "$tmp" >&2
wheel=$(ls "$tmp"/check_jsonschema-"${WHEEL_VERSION}"-*.whl)
echo "${WHEEL_SHA256}  ${wheel}" | sha256sum --check --quiet - >&2 || {
  echo "install-compose-schema: sha256 mismatch for ${wheel}" >&2
  exit 1
}
python3 - "$wheel" "$tmp/out" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for name in ("compose-spec.json", "licenses/LICENSE.compose-spec"):
    z.extract("check_jsonschema/builtin_schemas/vendor/" + name, sys.argv[2])
PY
mkdir -p "$(dirname "$dest")"
src="$tmp/out/check_jsonschema/builtin_schemas/vendor"
install -m 0644 "$src/compose-spec.json" "$dest"
install -m 0644 "$src/licenses/LICENSE.compose-spec" "$(dirname "$dest")/LICENSE"
echo "$dest"
