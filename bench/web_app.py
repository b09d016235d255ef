"""Speed budgets of the web app (issue 7), on the built app served by `laskutin serve`.

    (cd web && npm ci && npm run build)         # the app under test: web/dist
    .venv/bin/python bench/web_app.py           # about 1 minute
    .venv/bin/python bench/web_app.py --quick   # 3 offline reloads instead of 10
    .venv/bin/python bench/web_app.py --no-lighthouse

The budgets (issue 7):

- the JavaScript loaded for the first screen at most 100 KB gzip, and its CSS at most 20 KB gzip;
- Lighthouse 12.2.3 with the system Chromium scores at least 95 for performance, accessibility
  and best practices on the sign-in page and on the dashboard (mobile and desktop presets);
- a repeat visit offline renders the invoice list in under one second.

What it does, all on this machine, and stops everything it started (also when interrupted):

1. Starts a throwaway embedded PostgreSQL (bench/_pg.py), migrates it and runs ``laskutin
   serve`` on a free loopback port with ``LASKUTIN_SERVE_WEB=true``, so the server itself serves
   web/dist with its cache headers and CSP, as in the single-machine mode.
2. Signs up a user through the API and makes, through the API, a company with a business id
   and a bank account, 3 customers, a product, 24 issued invoices and 3 drafts (so the
   dashboard has figures and the invoice list has rows).
3. First screen (bench/web/first_screen.mjs, playwright-core from web/node_modules): a first
   visit of ``/`` in Chromium with a 360 px viewport, until the sign-in form shows and the
   network is idle. Every script and style sheet the page requested (the service worker's
   precache downloads are not the page's) is counted: raw bytes, ``gzip -9`` of the body (the
   budget's measure), and the bytes on the wire (``laskutin serve`` sends text files of 1 KiB or
   more gzip-compressed, src/laskutin/web_static.py).
4. Offline repeat visit (bench/web/offline_repeat.mjs): signs in, opens the invoice list once
   online (the service worker installs and controls the page; the list goes to IndexedDB),
   then goes offline (``context.setOffline(true)`` and every ``/api/`` request aborted) and
   reloads the invoice list N times. Each time: from the navigation start (the page's
   ``performance.timeOrigin``) until the first invoice row is in the DOM. Median and max.
5. Lighthouse (bench/lighthouse/run.mjs, through Lighthouse's Node API on a puppeteer page):
   the sign-in page as a first visit, and the dashboard of the signed-in user (signed in through
   the form, then the service worker and the caches are removed and Lighthouse keeps the
   storage, so the refresh token in localStorage signs the page in on a cold load); each with
   the mobile (default, simulated slow 4G and 4x CPU slowdown) and the desktop preset. HTML and
   JSON reports go to bench/results/lighthouse-<time>/. Lighthouse lives in bench/lighthouse/
   (its own package.json and lock, not in web/); ``npm ci`` runs there when it is missing.

It exits 1 when a budget is missed. Results are written as JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from _pg import BENCH_DIR, BIN_DIR, Environment, throwaway_database
from _procs import HOST, Server, free_port, wait_ready

ROOT = BENCH_DIR.parent
WEB_DIST = ROOT / "web" / "dist"
LIGHTHOUSE_DIR = BENCH_DIR / "lighthouse"
RESULTS_DIR = BENCH_DIR / "results"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")

JS_BUDGET = 100 * 1024  # bytes, gzip
CSS_BUDGET = 20 * 1024
SCORE_BUDGET = 95  # Lighthouse performance, accessibility, best practices
SCORED = ("performance", "accessibility", "best-practices")
OFFLINE_BUDGET_MS = 1000.0

EMAIL = "web-bench@example.fi"
PASSWORD = "kolme pitkää sanaa verkkosovellus"


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 offline reloads instead of 10")
    parser.add_argument("--runs", type=int, help="offline reloads of the invoice list")
    parser.add_argument("--no-lighthouse", action="store_true", help="skip the Lighthouse runs")
    return parser.parse_args(argv)


def node() -> str:
    found = shutil.which("node")
    if found is None:
        raise SystemExit("Node.js 20 is needed (the browser helpers and Lighthouse)")
    return found


def check_prerequisites(lighthouse: bool) -> None:
    if not (WEB_DIST / "index.html").is_file():
        raise SystemExit("build the web app first: cd web && npm ci && npm run build")
    if not (ROOT / "web" / "node_modules" / "playwright-core").is_dir():
        raise SystemExit("install the web app's packages first: cd web && npm ci")
    if not Path(CHROME).is_file():
        raise SystemExit("install Debian's chromium: apt-get install -y chromium")
    if lighthouse and not (LIGHTHOUSE_DIR / "node_modules" / "lighthouse").is_dir():
        print("installing Lighthouse: npm ci in bench/lighthouse", flush=True)
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("npm is needed to install Lighthouse")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=LIGHTHOUSE_DIR, check=True)


def run_node(script: Path, *args: str, timeout: float = 600) -> dict[str, Any]:
    """Run a node helper; its last stdout line is its JSON answer."""
    result = subprocess.run(
        [node(), str(script), *args],
        cwd=script.parent,
        env={**os.environ, "CHROME_PATH": CHROME},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise SystemExit(f"{script.name} failed:\n{result.stdout}\n{result.stderr}")
    answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def start_server(environment: Environment) -> Server:
    port = free_port()
    env = dict(
        environment.env,
        LASKUTIN_SHUTDOWN_DRAIN_SECONDS="0",
        LASKUTIN_SERVE_WEB="true",
        LASKUTIN_WEB_DIST_DIR=str(WEB_DIST),
    )
    command = [str(BIN_DIR / "laskutin"), "serve", "--host", HOST, "--port", str(port)]
    # The working folder is the temporary one, so that no .env of a developer is read.
    server = Server(
        "laskutin", port, command, env, environment.data_dir, environment.data_dir / "serve.log"
    )
    server.start()
    wait_ready(server, port)
    return server


def seed(base: str) -> dict[str, int]:
    """The user's company, customers, a product, issued invoices and drafts, through the API."""
    with httpx.Client(base_url=base, timeout=30) as client:

        def call(method: str, path: str, body: object = None, token: str = "") -> Any:
            headers = {"idempotency-key": str(uuid.uuid4())}
            if token:
                headers["authorization"] = f"Bearer {token}"
            answer = client.request(method, path, json=body, headers=headers)
            if answer.status_code >= 300:
                raise SystemExit(f"{method} {path} answered {answer.status_code}: {answer.text}")
            return answer.json() if answer.content else None

        user = {"email": EMAIL, "password": PASSWORD, "name": "Testi Käyttäjä"}
        call("POST", "/api/v1/auth/signup", {**user, "company_name": "Penkki Oy"})
        token = call("POST", "/api/v1/auth/login", {"email": EMAIL, "password": PASSWORD})[
            "access_token"
        ]
        company = {"business_id": "0116297-6", "bank_accounts": [{"iban": "FI2112345600000785"}]}
        call("PATCH", "/api/v1/company", company, token)
        customers = [
            call("POST", "/api/v1/customers", {"name": name}, token)["id"]
            for name in ("Kojelauta Oy", "Mittari Ab", "Nopea Tmi")
        ]
        product = {"names": {"fi": "Suunnittelutyö"}, "unit": "h", "unit_price": "85.50"}
        call("POST", "/api/v1/products", {**product, "rate_class": "general"}, token)
        issued = drafts = 0
        for i in range(27):
            lines = [
                {
                    "description": f"Työ {i}",
                    "quantity": str(1 + i % 4),
                    "unit_price": f"{90 + 7 * i}.50",
                    "vat_rate": "25.5",
                },
                {"description": "Kirja", "quantity": "1", "unit_price": "40.00", "vat_rate": "10"},
            ]
            body = {"customer_id": customers[i % 3], "lines": lines, "prices_include_vat": True}
            draft = call("POST", "/api/v1/invoices", body, token)
            if i < 24:
                call("POST", f"/api/v1/invoices/{draft['id']}/issue", None, token)
                issued += 1
            else:
                drafts += 1
        return {"customers": len(customers), "issued": issued, "drafts": drafts}


def kb(value: float) -> str:
    return f"{value / 1024:.1f} KB"


def first_screen(base: str, report: dict[str, Any]) -> bool:
    answer = run_node(BENCH_DIR / "web" / "first_screen.mjs", base)
    files = answer["files"]
    print(f"\nFirst screen ({answer['screen']}, a first visit), files the page requested:")
    print(f"  {'file':<48} {'raw':>9} {'gzip -9':>9} {'on wire':>9}")
    for f in sorted(files, key=lambda f: (f["type"], -f["gzip"])):
        wire = kb(f["transfer"]) if f["transfer"] is not None else "?"
        print(f"  {f['url']:<48} {kb(f['raw']):>9} {kb(f['gzip']):>9} {wire:>9}")
    ok = True
    totals = {}
    for kind, budget in (("js", JS_BUDGET), ("css", CSS_BUDGET)):
        raw = sum(f["raw"] for f in files if f["type"] == kind)
        gz = sum(f["gzip"] for f in files if f["type"] == kind)
        met = gz <= budget
        ok = ok and met
        totals[kind] = {"raw": raw, "gzip": gz, "budget": budget, "met": met}
        print(
            f"  {kind.upper():<4} total {kb(raw)} raw, {kb(gz)} gzip -9: budget {kb(budget)} "
            f"{'met' if met else 'MISSED'}"
        )
    report["first_screen"] = {"screen": answer["screen"], "files": files, "totals": totals}
    return ok


def offline_repeat(base: str, runs: int, report: dict[str, Any]) -> bool:
    script = BENCH_DIR / "web" / "offline_repeat.mjs"
    answer = run_node(script, base, EMAIL, PASSWORD, str(runs))
    times = [float(t) for t in answer["times"]]
    median, worst = statistics.median(times), max(times)
    rendered = answer["rows_offline"] == answer["rows_online"] and answer["rows_online"] > 0
    ok = rendered and answer["controlled"] and answer["saved_notice"] and worst < OFFLINE_BUDGET_MS
    print(
        f"\nOffline repeat visit of the invoice list, {len(times)} reloads: median {median:.0f} "
        f"ms, max {worst:.0f} ms (each: {', '.join(f'{t:.0f}' for t in times)}); "
        f"{answer['rows_offline']} of {answer['rows_online']} rows, service worker in control: "
        f"{answer['controlled']}, 'loaded at' notice: {answer['saved_notice']}; budget "
        f"{OFFLINE_BUDGET_MS:.0f} ms {'met' if ok else 'MISSED'}"
    )
    report["offline_repeat"] = {**answer, "median_ms": median, "max_ms": worst, "met": ok}
    return ok


def lighthouse(base: str, stamp: str, report: dict[str, Any]) -> bool:
    out = RESULTS_DIR / f"lighthouse-{stamp}"
    answer = run_node(LIGHTHOUSE_DIR / "run.mjs", base, EMAIL, PASSWORD, str(out), timeout=900)
    print(f"\nLighthouse {answer['lighthouse']} (budget {SCORE_BUDGET} for {', '.join(SCORED)}):")
    ok = True
    for run in answer["runs"]:
        scores = run["scores"]
        met = all(scores[c] >= SCORE_BUDGET for c in SCORED)
        ok = ok and met
        run["met"] = met
        figures = "  ".join(f"{c} {scores[c]}" for c in scores)
        metrics = run["metrics"]
        print(
            f"  {run['page']:<10} {run['preset']:<8} {figures}  "
            f"{'met' if met else 'MISSED'}  (FCP {metrics['first-contentful-paint']}, LCP "
            f"{metrics['largest-contentful-paint']}, TBT {metrics['total-blocking-time']}, CLS "
            f"{metrics['cumulative-layout-shift']}; {run['final_url']})"
        )
        for category, audits in run["lost"].items():
            if audits:
                print(f"      points lost in {category}: {'; '.join(audits)}")
    print(f"  reports: {out.relative_to(ROOT)}/")
    report["lighthouse"] = answer
    return ok


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    runs = args.runs or (3 if args.quick else 10)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)  # so that the clean-up below runs
    started = time.monotonic()
    now = dt.datetime.now(dt.UTC)
    stamp = f"{now:%Y%m%dT%H%M%SZ}"
    report: dict[str, Any] = {"args": vars(args), "stamp": stamp}
    chromium = subprocess.run(
        [CHROME, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    node_version = subprocess.run([node(), "--version"], capture_output=True, text=True).stdout
    print(
        f"{now:%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPUs, {chromium}, "
        f"Node {node_version.strip()}",
        flush=True,
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    check_prerequisites(not args.no_lighthouse)
    RESULTS_DIR.mkdir(exist_ok=True)
    with throwaway_database() as environment:
        server = start_server(environment)
        try:
            base = f"http://{HOST}:{server.port}"
            report["data"] = seed(base)
            print(f"served by laskutin serve at {base}; data: {report['data']}", flush=True)
            ok = first_screen(base, report)
            ok = offline_repeat(base, runs, report) and ok
            if not args.no_lighthouse:
                ok = lighthouse(base, stamp, report) and ok
        except BaseException:
            print(f"server log (last lines):\n{server.log_tail(30)}", file=sys.stderr)
            raise
        finally:
            server.stop()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    out = RESULTS_DIR / f"web_app-{stamp}.json"
    report["budgets_met"] = ok
    out.write_text(json.dumps(report, indent=2, default=str))
    print(
        f"\n{'every budget met' if ok else 'BUDGET MISSED'}; results: "
        f"{out.relative_to(ROOT)}  ({time.monotonic() - started:.0f} s)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
