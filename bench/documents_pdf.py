"""How fast invoice PDFs render, next to a baseline (an empty ReportLab page) from the same run.

    .venv/bin/python bench/documents_pdf.py            # 300 rounds (about 15 s)
    .venv/bin/python bench/documents_pdf.py --quick    # 30 rounds (a smoke test)

Budgets (issue 6), the script exits with 1 when one is missed:
- a 10-line invoice with the bank barcode and the QR code: 100 or more PDFs per second on one
  core, i.e. a median of at most 10 ms of CPU per PDF;
- a 200-line invoice: under 150 ms (median wall time).

Everything runs in this one process and thread, through the renderer the app uses
(``laskutin.documents.pdf.render_pdf``), on the sample documents of
``laskutin.documents.pdf.sample`` (made by the real line, totals and barcode rules). Each step
is rendered once untimed first (font loading, the logo's preparation), then ``rounds`` times;
CPU time (``time.process_time``) is what a busy machine's other work disturbs least, wall time
is reported beside it. Results go to bench/results/documents_pdf-<time>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from laskutin.documents.data import Logo
from laskutin.documents.pdf import render_pdf
from laskutin.documents.pdf.sample import sample_invoice

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
PAGE = re.compile(rb"/Type /Page\b(?!s)")
BUDGET_PER_SECOND = 100.0  # 10-line invoices per CPU second
BUDGET_200_LINES_MS = 150.0


@dataclass
class Figure:
    name: str
    rounds: int
    cpu_median_ms: float
    wall_median_ms: float
    wall_p95_ms: float
    wall_min_ms: float
    pages: int
    kib: float


def measure(name: str, step: Callable[[], bytes], rounds: int) -> Figure:
    output = step()  # untimed: fonts, caches
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(rounds):
        started_cpu, started = time.process_time(), time.perf_counter()
        step()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    wall.sort()
    return Figure(
        name=name,
        rounds=rounds,
        cpu_median_ms=round(statistics.median(cpu), 3),
        wall_median_ms=round(statistics.median(wall), 3),
        wall_p95_ms=round(wall[min(len(wall) - 1, int(len(wall) * 0.95))], 3),
        wall_min_ms=round(wall[0], 3),
        pages=len(PAGE.findall(output)),
        kib=round(len(output) / 1024, 1),
    )


def empty_page() -> bytes:
    """The baseline: what ReportLab needs for one blank A4 page and nothing else."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def logo() -> Logo:
    """A 600 x 200 PNG logo with transparency and some shapes, as a company might upload."""
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 190, 190), fill=(0, 90, 160, 255))
    draw.rectangle((220, 60, 590, 140), fill=(30, 30, 30, 255))
    data = io.BytesIO()
    image.save(data, format="PNG")
    return Logo("image/png", data.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=300, help="rounds of each step")
    parser.add_argument("--quick", action="store_true", help="30 rounds")
    args = parser.parse_args(argv)
    rounds = 30 if args.quick else args.rounds
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, reportlab {version('reportlab')}, "
        f"segno {version('segno')}; load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    ten = sample_invoice(10)
    with_logo = sample_invoice(10, logo=logo())
    credit_note = sample_invoice(10, kind="credit_note")
    draft = sample_invoice(10, draft=True)
    two_hundred = sample_invoice(200)
    found = [
        measure("baseline: empty ReportLab page", empty_page, rounds),
        measure("invoice, 10 lines, barcode + QR", lambda: render_pdf(ten), rounds),
        measure("invoice, 10 lines, a PNG logo too", lambda: render_pdf(with_logo), rounds),
        measure("credit note, 10 lines", lambda: render_pdf(credit_note), rounds),
        measure("draft preview, 10 lines", lambda: render_pdf(draft), rounds),
        measure("invoice, 200 lines", lambda: render_pdf(two_hundred), max(10, rounds // 10)),
    ]
    baseline = found[0].cpu_median_ms
    print(
        f"\n{'step':<38}{'CPU':>8}{'wall':>8}{'p95':>8}{'min':>8}  ms  {'x base':>7}"
        f"{'per s':>8}{'pages':>6}{'KiB':>7}"
    )
    for figure in found:
        print(
            f"{figure.name:<38}{figure.cpu_median_ms:>8.2f}{figure.wall_median_ms:>8.2f}"
            f"{figure.wall_p95_ms:>8.2f}{figure.wall_min_ms:>8.2f}"
            f"{figure.cpu_median_ms / baseline:>11.1f}{1000 / figure.cpu_median_ms:>8.0f}"
            f"{figure.pages:>6}{figure.kib:>7.1f}  ({figure.rounds} rounds)"
        )
    per_second = 1000 / found[1].cpu_median_ms
    big = found[-1].wall_median_ms
    ok_rate = per_second >= BUDGET_PER_SECOND
    ok_big = big < BUDGET_200_LINES_MS
    print(
        f"\nbudget: 10-line invoice {per_second:.0f}/s on one core (>= {BUDGET_PER_SECOND:.0f}): "
        f"{'ok' if ok_rate else 'MISSED'}; 200-line invoice {big:.1f} ms "
        f"(< {BUDGET_200_LINES_MS:.0f}): {'ok' if ok_big else 'MISSED'}"
    )
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS_DIR / f"documents_pdf-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "machine": platform.node(),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "load_average": os.getloadavg(),
                "figures": [asdict(figure) for figure in found],
                "per_second_10_lines": round(per_second, 1),
                "budgets_met": ok_rate and ok_big,
            },
            indent=2,
        )
    )
    print(f"results: {out.relative_to(BENCH_DIR.parent)}")
    return 0 if ok_rate and ok_big else 1


if __name__ == "__main__":
    sys.exit(main())
