"""`make bench`: run every benchmark in this folder, one after the other.

Each benchmark is a script here whose name does not start with ``_``. Extra arguments are passed
to each of them (for example ``--quick``). The exit code is 1 when any benchmark failed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def benchmarks() -> list[str]:
    here = Path(__file__).name
    return sorted(
        p.name for p in BENCH_DIR.glob("*.py") if not p.name.startswith("_") and p.name != here
    )


def main(argv: list[str]) -> int:
    failed = []
    for name in benchmarks():
        print(f"== bench/{name}", flush=True)
        if subprocess.run([sys.executable, str(BENCH_DIR / name), *argv]).returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
