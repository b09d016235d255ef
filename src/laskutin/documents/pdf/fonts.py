"""The PDF fonts: Bitstream Vera Sans, shipped inside the ReportLab wheel, embedded as subsets.

Why this font: it comes with the pinned ``reportlab`` package itself (``reportlab/fonts``), so
every machine that installs the locked dependencies renders with the very same glyphs and
metrics; nothing depends on the fonts of the operating system. It covers Latin-1 and more:
å ä ö Å Ä Ö, the euro sign, š ž (Finnish loanwords), dashes and typographic quotes. Its licence
allows embedding (bitstream-vera-license.txt beside the font). The base-14 Helvetica of PDF
viewers would not be embedded, and so would not render the same everywhere.

ReportLab embeds only the glyphs used (a subset per document) with a ToUnicode map, so the text
stays selectable and extractable. Characters the font lacks print as blanks, never fail.
"""

from __future__ import annotations

import threading
from pathlib import Path

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "LaskutinSans"
BOLD = "LaskutinSans-Bold"
FONT_DIR = Path(reportlab.__file__).resolve().parent / "fonts"
_FILES = {REGULAR: "Vera.ttf", BOLD: "VeraBd.ttf"}
_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the regular and bold faces with ReportLab once per process (idempotent)."""
    global _registered
    if _registered:
        return
    with _lock:
        if not _registered:
            for name, file in _FILES.items():
                pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
            _registered = True


def font(name: str) -> TTFont:
    """The registered TrueType font ``name`` (REGULAR or BOLD)."""
    register_fonts()
    found: TTFont = pdfmetrics.getFont(name)
    return found


def text_width(text: str, name: str, size: float) -> float:
    """Width of ``text`` in points, set in font ``name`` at ``size`` points."""
    register_fonts()
    width: float = pdfmetrics.stringWidth(text, name, size)
    return width
