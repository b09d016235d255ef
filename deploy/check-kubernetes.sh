#!/bin/sh
# Validates deploy/kubernetes/*.yaml offline against the Kubernetes schemas of KUBERNETES_VERSION
# (kubernetes-validate from PyPI, installed into .tools/kubernetes-validate on first use; it
# ships the schemas, so no cluster and no download at validation time).
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
version="${KUBERNETES_VERSION:-1.31.0}"
tool="$root/.tools/kubernetes-validate"
if [ ! -x "$tool/bin/kubernetes-validate" ]; then
  "${PYTHON:-python3}" -m venv "$tool"
  "$tool/bin/python" -m pip install --quiet --disable-pip-version-check "kubernetes-validate==1.37.0"
fi
"$tool/bin/kubernetes-validate" --kubernetes-version "$version" --strict "$root"/deploy/kubernetes/*.yaml
echo "check-kubernetes: deploy/kubernetes/*.yaml valid for Kubernetes $version"
