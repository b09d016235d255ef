"""Instructions per issued invoice in one ``laskutin serve`` process, counted by callgrind.

The invoicing benchmark's figures move with the VM's speed (the same request's server CPU by
up to 2x within an hour on the shared 2-core machine), so a change of a few per cent in the
server's CPU per issue cannot be seen there. Valgrind's callgrind counts the instructions the
process runs in user space instead: the same code, data and requests give the same count
whatever else the machine does (two runs of the same commit agreed to 0.1 %). Kernel time (the
socket calls) is not counted.

What it does: a throwaway embedded PostgreSQL (bench/_pg.py), one ``laskutin serve`` under
``valgrind --tool=callgrind --instr-atstart=no``, a user and a small company (bench/_seed.py),
drafts of 10 lines through the API, a warm-up of 30 issues; then counting on, ``--issues``
issues through the API with two clients (bench/invoicing.py's client, with an Idempotency-Key),
counting off, and the count divided by the issues. The ratio against the same run's baseline
is that of ``GET /healthz`` (no database), counted the same way.

Run: ``.venv/bin/python bench/issue_instructions.py`` (about 4 minutes; needs valgrind).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

import invoicing as bench
from _pg import BIN_DIR, throwaway_database

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def _counting(pid: int, on: bool) -> None:
    subprocess.run(
        ["callgrind_control", "-i", "on" if on else "off", str(pid)],
        check=True,
        capture_output=True,
    )


def _dump(pid: int, folder: Path) -> int:
    """Instructions counted since the last dump."""
    before = set(folder.glob("callgrind.out.*"))
    subprocess.run(["callgrind_control", "-d", str(pid)], check=True, capture_output=True)
    for _ in range(200):
        fresh = set(folder.glob("callgrind.out.*")) - before
        if fresh:
            break
        time.sleep(0.05)
    (dump,) = fresh
    time.sleep(0.2)  # written in full
    match = re.search(r"^summary: (\d+)", dump.read_text(errors="replace"), re.M)
    if match is None:
        raise SystemExit(f"no summary line in {dump}")
    return int(match.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issues", type=int, default=200, help="issues counted")
    parser.add_argument("--healthz", type=int, default=400, help="GET /healthz counted")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("needs valgrind (Debian: apt-get install valgrind)")
    folder = Path(tempfile.mkdtemp(prefix="laskutin-callgrind-"))
    original = bench.Server

    def under_callgrind(name, port, command, env, *rest):  # type: ignore[no-untyped-def]
        valgrind = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={folder}/callgrind.out.%p",
        ]
        return original(
            name,
            port,
            [*valgrind, str(BIN_DIR / "python"), "-m", "laskutin", *command[1:]],
            env,
            *rest,
        )

    bench.Server = under_callgrind  # type: ignore[misc,assignment]
    slow_ready = bench.wait_ready
    bench.wait_ready = lambda server, port: slow_ready(server, port, timeout=900)  # type: ignore[assignment]
    report: dict[str, object] = {"issues": args.issues, "healthz": args.healthz}
    with throwaway_database() as environment:
        server = bench.start_server(environment)
        api = bench.Api(server.port)
        try:
            customer_id = bench.small_company(api, environment.superuser_conninfo())
            warm = 30
            drafts = bench.make_drafts(api, customer_id, warm + args.issues)
            bench.issue_many([server.port], api.token, drafts[:warm], 2)
            with httpx.Client(base_url=f"http://{bench.HOST}:{server.port}") as client:
                for _ in range(50):
                    client.get("/healthz").raise_for_status()
                _counting(server.pid, True)
                for _ in range(args.healthz):
                    client.get("/healthz").raise_for_status()
                healthz = _dump(server.pid, folder) / args.healthz
            bench.issue_many([server.port], api.token, drafts[warm:], 2)
            issue = _dump(server.pid, folder) / args.issues
            _counting(server.pid, False)
        finally:
            api.close()
            server.stop(timeout=120)
            shutil.rmtree(folder, ignore_errors=True)
    report.update(healthz_instructions=healthz, issue_instructions=issue, ratio=issue / healthz)
    print(f"GET /healthz: {healthz / 1e6:.3f} M instructions per request (baseline)")
    print(f"issuing 10 lines: {issue / 1e6:.3f} M instructions per issue = {issue / healthz:.1f}x")
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"issue_instructions-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
