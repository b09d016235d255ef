#!/bin/sh
# Builds the front end into web/dist (the image's first stage runs this; so does
# deploy/check-build.sh in a clean folder). Needs Node.js 20 with npm. Run from the source root.
set -eu
cd "$(dirname "$0")/.."
test -f web/package-lock.json || { echo "build-web.sh: run it from a Laskutin source tree" >&2; exit 1; }
cd web
npm ci --no-audit --no-fund --loglevel=error
npm run build
test -f dist/index.html
echo "build-web.sh: web/dist built ($(find dist -type f | wc -l) files)"
