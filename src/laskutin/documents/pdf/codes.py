"""The bank barcode (Code 128 set C) and the payment QR code as vector marks.

Both are drawn as one filled path on an integer grid (:meth:`Sheet.fill_rects`): bars and
modules sit at exact multiples of the module width, never a scaled bitmap
(tilisiirto-and-terms.md §1.4). The symbol values come from :func:`finnish.barcode.code128c`;
this module only knows how each value looks.

The QR code is encoded with segno from the EPC payload's UTF-8 bytes, in byte mode at error
correction level M exactly (finnish/qr.py; no boost to a higher level); segno picks the
smallest version. Each row's dark runs become one rectangle, so a typical symbol is some 400
rectangles in one path; ReportLab's QR widget draws every module as its own shape and was 2.5x
slower here (python-stack.md §3d).

The mask is fixed (:data:`QR_MASK`) instead of chosen by ISO/IEC 18004's penalty scores:
segno's pure-Python evaluation of the eight masks takes 4.7 ms, more than the rest of the
invoice's drawing and half of the 10 ms budget of a whole PDF (bench/documents_pdf.py). Every
reader decodes every mask (the mask number is in the symbol's format information); the penalty
choice only avoids patterns that can slow a poor reader down. Mask 2 is the one segno chose
most often for 300 sample invoice payloads (with mask 3); the tests decode the printed symbol.
Set ``QR_MASK = None`` to let segno choose again.
"""

from __future__ import annotations

from dataclasses import dataclass

import segno

from laskutin.finnish.barcode import Code128C

# Bar and space widths (in modules) of Code 128 symbol values 0-106, bar first (ISO/IEC 15417
# Table 1). The stop symbol (106) has a seventh element, its final 2-module bar.
CODE128_WIDTHS: tuple[str, ...] = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
)  # fmt: skip
QUIET_MODULES = 10  # ISO/IEC 15417's minimum quiet zone each side (the FFI value is unverified)
QR_QUIET_MODULES = 4  # ISO/IEC 18004's quiet zone
QR_MASK: int | None = 2  # see the module notes


def code128_bars(code: Code128C) -> list[tuple[int, int]]:
    """The bars of a Code 128 symbol as (start, width) in modules from its left edge."""
    bars: list[tuple[int, int]] = []
    position = 0
    for value in code.symbols:
        for index, width in enumerate(CODE128_WIDTHS[value]):
            if index % 2 == 0:
                bars.append((position, int(width)))
            position += int(width)
    assert position == code.modules
    return bars


@dataclass(frozen=True)
class QrMatrix:
    """The dark runs of a QR symbol, row by row, and its size with the quiet zone."""

    runs: list[tuple[int, int, int, int]]  # (column, row, width, 1) inside the quiet zone
    modules: int  # symbol width including the quiet zone on both sides


def qr_matrix(payload: bytes) -> QrMatrix:
    """Encode ``payload`` (EPC bytes) and merge each row's dark modules into runs."""
    symbol = segno.make(
        payload, error="m", mode="byte", micro=False, boost_error=False, mask=QR_MASK
    )
    runs: list[tuple[int, int, int, int]] = []
    for y, row in enumerate(symbol.matrix):
        x = 0
        width = len(row)
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                runs.append((start + QR_QUIET_MODULES, y + QR_QUIET_MODULES, x - start, 1))
            else:
                x += 1
    return QrMatrix(runs=runs, modules=len(symbol.matrix) + 2 * QR_QUIET_MODULES)
