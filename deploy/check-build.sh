#!/bin/sh
# Runs the image's build steps (deploy/build-web.sh, deploy/build-python.sh) in a clean
# temporary copy of the source tree, as the Containerfile does, then checks what they made:
# web/dist/index.html, `laskutin --help`, the app importable, `migrate` and `worker` commands,
# and deploy/entrypoint.sh. No container engine needed. Usage: deploy/check-build.sh [--keep]
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/laskutin-build-XXXXXX")"
keep=${1:-}
cleanup() { [ "$keep" = --keep ] && echo "kept $work" || rm -rf "$work"; }
trap cleanup EXIT INT TERM
started=$(date +%s)
# The files a container build context has: tracked and new files, nothing git ignores
# (no .venv, node_modules, web/dist or .data).
cd "$root"
git ls-files -z --cached --others --exclude-standard \
  | (cd "$root" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) \
  | tar --null -T - -cf - | tar -xf - -C "$work"
cd "$work"
sh deploy/build-web.sh
sh deploy/build-python.sh
test -f web/dist/index.html
.venv/bin/laskutin --help >/dev/null
.venv/bin/laskutin migrate --help >/dev/null
.venv/bin/laskutin worker --help >/dev/null
.venv/bin/python -c "import laskutin.app, laskutin.server, laskutin.jobs.worker"
! .venv/bin/python -c "import pytest" 2>/dev/null || { echo "dev tools in the image" >&2; exit 1; }
PATH="$work/.venv/bin:$PATH" sh deploy/entrypoint.sh --help | grep -q serve
echo "check-build: ok in $(( $(date +%s) - started )) s"
