#!/bin/sh
# The image's entry point: `laskutin serve` by default (LASKUTIN_HOST and LASKUTIN_PORT say
# where it listens); `worker`, `migrate upgrade` or any other laskutin command as the
# container's arguments.
set -eu
[ "$#" -gt 0 ] || set -- serve
exec laskutin "$@"
