"""How long an e-invoice takes to write and to check, next to a baseline from the same run.

    .venv/bin/python bench/einvoice.py            # 300 rounds of each step (about 30 s)
    .venv/bin/python bench/einvoice.py --quick    # 30 rounds (a smoke test)

Budget (issue 6): a Peppol invoice generated and schema-checked (UBL 2.1 XSD) in under 20 ms,
median wall time. The script exits with 1 when the budget is missed.

What it measures, all in this process, through the same code the app runs
(laskutin.einvoice.formats.write and laskutin.einvoice.validation.validate, which hands the work
to a validator thread):

- baseline: XSD-validating the official ``base-example.xml`` (the step the budget also
  contains, on a document written by someone else);
- a Peppol invoice of 4 lines at three VAT rates (tests/unit/einvoice/documents.py): written;
  written + XSD; written + XSD + the EN 16931 and PEPPOL schematron (what the app does before
  it stores a document);
- the same for Finvoice 3.0 (XSD only: Finvoice has no schematron), and a 100-line Peppol
  invoice, for scale.

The first validation in a thread loads the schemas and compiles the XSLTs; it is reported on
its own and not counted in the rounds. Results go to bench/results/einvoice-<time>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from importlib.metadata import version
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))  # the test documents live in tests/

from tests.unit.einvoice.documents import MIXED_2026, invoice  # noqa: E402

from laskutin.core.settings import load_settings  # noqa: E402
from laskutin.documents.data import InvoiceDocument  # noqa: E402
from laskutin.einvoice.codes import Format  # noqa: E402
from laskutin.einvoice.formats import write  # noqa: E402
from laskutin.einvoice.validation import ensure_valid, validate  # noqa: E402

RESULTS_DIR = BENCH_DIR / "results"
BUDGET_MS = 20.0


@dataclass
class Figure:
    name: str
    rounds: int
    median_ms: float
    p95_ms: float
    min_ms: float


def measure(name: str, step: Callable[[], object], rounds: int) -> Figure:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        step()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return Figure(
        name,
        rounds,
        statistics.median(times),
        times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        times[0],
    )


def big_invoice() -> InvoiceDocument:
    specs = [
        replace(spec, description=f"{spec.description} {n}")
        for n in range(25)
        for spec in MIXED_2026
    ]
    return invoice(specs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=300, help="rounds of each step")
    parser.add_argument("--quick", action="store_true", help="30 rounds")
    args = parser.parse_args(argv)
    rounds = 30 if args.quick else args.rounds
    artifacts = load_settings().einvoice_artifacts_dir
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, lxml {version('lxml')}, "
        f"saxonche {version('saxonche')}; load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    small = invoice(MIXED_2026)
    big = big_invoice()
    base = (artifacts / "peppol-bis3" / "examples" / "base-example.xml").read_bytes()

    started = time.perf_counter()
    ensure_valid(validate(write(small, "peppol"), "peppol", artifacts))
    ensure_valid(validate(write(small, "finvoice"), "finvoice", artifacts))
    ensure_valid(validate(write(big, "peppol"), "peppol", artifacts))
    warm_up_ms = (time.perf_counter() - started) * 1000
    print(f"first validations (load the XSDs, compile CEN + PEPPOL): {warm_up_ms:.0f} ms")

    def checked(
        document: InvoiceDocument, format: Format, schematron: bool
    ) -> Callable[[], object]:
        def step() -> object:
            findings = validate(write(document, format), format, artifacts, schematron=schematron)
            ensure_valid(findings)
            return findings

        return step

    figures = [
        measure(
            "baseline: XSD of base-example.xml",
            lambda: validate(base, "peppol", artifacts, schematron=False),
            rounds,
        ),
        measure("peppol 4 lines: write", lambda: write(small, "peppol"), rounds),
        measure("peppol 4 lines: write + XSD", checked(small, "peppol", False), rounds),
        measure(
            "peppol 4 lines: write + XSD + CEN + PEPPOL", checked(small, "peppol", True), rounds
        ),
        measure("finvoice 4 lines: write + XSD", checked(small, "finvoice", False), rounds),
        measure("peppol 100 lines: write + XSD", checked(big, "peppol", False), rounds),
        measure(
            "peppol 100 lines: write + XSD + CEN + PEPPOL",
            checked(big, "peppol", True),
            max(10, rounds // 5),
        ),
    ]
    baseline = figures[0].median_ms
    print(f"\n{'step':<46}{'median':>8}{'p95':>8}{'min':>8}  ms   x baseline")
    for figure in figures:
        print(
            f"{figure.name:<46}{figure.median_ms:>8.2f}{figure.p95_ms:>8.2f}{figure.min_ms:>8.2f}"
            f"{figure.median_ms / baseline:>12.1f}  ({figure.rounds} rounds)"
        )
    budget = figures[2]
    within = budget.median_ms < BUDGET_MS
    print(
        f"\nbudget: {budget.name} median {budget.median_ms:.2f} ms < {BUDGET_MS:g} ms: "
        f"{'ok' if within else 'MISSED'}"
    )
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"einvoice-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(
        json.dumps(
            {
                "rounds": rounds,
                "cpus": os.cpu_count(),
                "warm_up_ms": warm_up_ms,
                "figures": [asdict(f) for f in figures],
                "budget_ms": BUDGET_MS,
                "within_budget": within,
            },
            indent=2,
        )
    )
    print(f"results: {out.relative_to(BENCH_DIR.parent)}")
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
