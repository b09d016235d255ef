#!/bin/sh
# Installs the locked Python dependencies (uv.lock, without the dev group) and Laskutin itself
# into .venv of the source root (the image's second stage runs this; so does
# deploy/check-build.sh in a clean folder). Needs Python 3.11-3.13; uses uv (the version the
# Makefile pins), installed into .tools when it is not on PATH.
set -eu
cd "$(dirname "$0")/.."
UV_VERSION="${UV_VERSION:-0.13.8}"
PYTHON="${PYTHON:-python3}"
if command -v uv >/dev/null 2>&1; then
  UV=uv
else
  if [ ! -x .tools/bin/uv ]; then
    "$PYTHON" -m venv .tools
    .tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  fi
  UV=.tools/bin/uv
fi
export UV_PROJECT_ENVIRONMENT="${UV_PROJECT_ENVIRONMENT:-.venv}" UV_PYTHON_DOWNLOADS=never
export UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
# --frozen: exactly uv.lock (fails when it does not match pyproject.toml); --no-dev: no test tools.
"$UV" sync --frozen --no-dev --python "$PYTHON"
"$UV_PROJECT_ENVIRONMENT/bin/laskutin" --help >/dev/null
echo "build-python.sh: $UV_PROJECT_ENVIRONMENT has laskutin and its locked dependencies"
