"""A deterministic ReportLab canvas with a fast path for text and vector marks.

Coordinates are millimetres from the page's top-left corner (y grows downwards), as one reads
a layout; :class:`Sheet` turns them into PDF points from the bottom-left.

Why not ``canvas.drawString`` for every string: it costs about 17 µs a call (it shapes, measures
and formats each string through several layers) against about 6 µs here, and an invoice page has
some 200 strings; the budget is 10 ms for a whole 10-line invoice (bench/documents_pdf.py). Text
is written with ReportLab's own font machinery (``TTFont.splitString`` assigns the glyphs to the
embedded subset, exactly as its text objects do) and handed to the canvas as PDF operators with
``Canvas.addLiteral``, all of a page at once, inside ``q ... Q`` so the canvas's own graphics
state is untouched.

Determinism: invariant mode (no time stamps, a content-derived document id), the creation date
given by the caller (an issued invoice's issue time), numbers written with fixed precision, and
nothing random, so the same document gives the same bytes on every run and machine. (ReportLab
honours the ``SOURCE_DATE_EPOCH`` environment variable when seeding the document id; leave it
unset, or set it the same everywhere.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Iterator
from typing import Literal

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.rl_accel import escapePDF
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from laskutin.documents.pdf.fonts import REGULAR, font, register_fonts, text_width

MM = 72 / 25.4  # points per millimetre
Align = Literal["left", "right", "center"]
_PAGE_HEIGHT_PT = A4[1]


@contextlib.contextmanager
def binary_streams() -> Iterator[None]:
    """Compressed streams without ReportLab's default ASCII85 text layer, while rendering:
    1.5-2 ms less per invoice (encoding ASCII85 in Python is slow). The setting is global in
    ReportLab and read while drawing and saving, so it is set for the render (under the
    renderers' lock) and put back after."""
    before = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = before


def num(value: float) -> str:
    """A PDF number with two decimals at most (1/100 pt is far below any printer's dot)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _pdf_date(moment: dt.datetime | None) -> str:
    when = (moment or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)).astimezone(dt.UTC)
    return when.strftime("D:%Y%m%d%H%M%S+00'00'")


class Sheet:
    """One PDF document being drawn, page by page."""

    def __init__(
        self,
        *,
        title: str,
        author: str,
        subject: str,
        language: str,
        created: dt.datetime | None,
    ) -> None:
        register_fonts()
        self._buffer = io.BytesIO()
        self.canvas = Canvas(
            self._buffer,
            pagesize=A4,
            invariant=1,
            pageCompression=1,
            lang=language,
            # The canvas starts each page by selecting its initial font; with Helvetica (the
            # default) the PDF would list a font that is not embedded.
            initialFontName=REGULAR,
            initialFontSize=9,
        )
        self.canvas.setTitle(title)
        self.canvas.setAuthor(author)
        self.canvas.setSubject(subject)
        self.canvas.setCreator("Laskutin")
        stamp = _pdf_date(created)
        self.canvas.setDateFormatter(lambda *_: stamp)
        self._doc = self.canvas._doc  # the font subsets are per document (see module notes)
        self._ops: list[str] = []
        self._in_text = False
        self._font: tuple[str, float] | None = None
        self._grey: float | None = None

    # --- text -----------------------------------------------------------------------------------

    def text(
        self,
        x: float,
        y: float,
        value: str,
        *,
        face: str = REGULAR,
        size: float = 9.0,
        align: Align = "left",
        grey: float = 0.0,
    ) -> None:
        """``value`` on the baseline ``y`` (mm from the top), starting at, ending at or
        centred on ``x`` (mm from the left)."""
        if not value:
            return
        if align != "left":
            width = text_width(value, face, size) / MM
            x -= width if align == "right" else width / 2
        self._matrix_text(
            f"1 0 0 1 {num(x * MM)} {num(_PAGE_HEIGHT_PT - y * MM)}", value, face, size, grey
        )

    def rotated_text(
        self,
        x: float,
        y: float,
        value: str,
        *,
        cos: float,
        sin: float,
        face: str = REGULAR,
        size: float = 9.0,
        grey: float = 0.0,
    ) -> None:
        """``value`` turned anticlockwise by the angle of (``cos``, ``sin``), starting at
        (``x``, ``y``)."""
        matrix = f"{num(cos)} {num(sin)} {num(-sin)} {num(cos)}"
        self._matrix_text(
            f"{matrix} {num(x * MM)} {num(_PAGE_HEIGHT_PT - y * MM)}", value, face, size, grey
        )

    def _matrix_text(self, matrix: str, value: str, face: str, size: float, grey: float) -> None:
        ops = self._ops
        if not self._in_text:
            ops.append("BT")
            self._in_text = True
        self._set_grey(grey)
        ops.append(matrix + " Tm")
        ttf = font(face)
        for subset, chunk in ttf.splitString(value, self._doc):
            key = (ttf.getSubsetInternalName(subset, self._doc), size)
            if key != self._font:
                ops.append(f"{key[0]} {num(size)} Tf")
                self._font = key
            ops.append(f"({escapePDF(chunk)}) Tj")

    # --- vector marks ---------------------------------------------------------------------------

    def _graphics(self) -> list[str]:
        if self._in_text:
            self._ops.append("ET")
            self._in_text = False
        return self._ops

    def _set_grey(self, grey: float) -> None:
        if grey != self._grey:
            self._ops.append(f"{num(grey)} g {num(grey)} G")
            self._grey = grey

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        *,
        width: float = 0.2,
        grey: float = 0.0,
        dash: tuple[float, float] | None = None,
    ) -> None:
        """A straight line; ``width`` and ``dash`` (on, off) in millimetres."""
        ops = self._graphics()
        self._set_grey(grey)
        pattern = f"[{num(dash[0] * MM)} {num(dash[1] * MM)}] 0 d" if dash else "[] 0 d"
        ops.append(
            f"{num(width * MM)} w {pattern} {num(x1 * MM)} {num(_PAGE_HEIGHT_PT - y1 * MM)} m "
            f"{num(x2 * MM)} {num(_PAGE_HEIGHT_PT - y2 * MM)} l S"
        )

    def fill_rects(
        self,
        x: float,
        y: float,
        unit: float,
        rects: list[tuple[int, int, int, int]],
        *,
        grey: float = 0.0,
    ) -> None:
        """Filled rectangles as one path, on a grid of ``unit`` mm whose origin is (``x``,
        ``y``), the top-left corner: each ``(column, row, columns, rows)`` counts grid units,
        rows downwards. Used for the barcode's bars and the QR code's modules: integer grid
        coordinates keep the operators short and exact."""
        if not rects:
            return
        ops = self._graphics()
        self._set_grey(grey)
        scale = num(unit * MM)
        ops.append(
            f"q {scale} 0 0 -{scale} {num(x * MM)} {num(_PAGE_HEIGHT_PT - y * MM)} cm "
            + " ".join(f"{c} {r} {w} {h} re" for c, r, w, h in rects)
            + " f Q"
        )

    # --- pages ----------------------------------------------------------------------------------

    def flush(self) -> None:
        """Hand what was drawn so far to the canvas (before any of the canvas's own calls)."""
        if self._in_text:
            self._ops.append("ET")
            self._in_text = False
        if self._ops:
            self.canvas.addLiteral("q\n" + "\n".join(self._ops) + "\nQ")
        self._ops = []
        self._font = None
        self._grey = None

    def image(self, data: ImageReader, x: float, y: float, width: float, height: float) -> None:
        """An image (a ReportLab ``ImageReader``) with its top-left corner at (x, y)."""
        self.flush()
        self.canvas.drawImage(
            data, x * MM, _PAGE_HEIGHT_PT - (y + height) * MM, width * MM, height * MM
        )

    def end_page(self) -> None:
        self.flush()
        self.canvas.showPage()

    def finish(self) -> bytes:
        self.flush()
        self.canvas.save()
        return self._buffer.getvalue()
