"""Reading an uploaded CSV file: its encoding, its delimiter, its header. Pure: no I/O.

Finnish invoicing services and spreadsheets export CSV in UTF-8 (often with a byte order mark)
or in Windows-1252, with ``;`` as the delimiter (the decimal separator being a comma) or ``,``
or a tab. The standard library's csv module does the parsing; what is written here is choosing
among those few variants, which csv.Sniffer guesses poorly on short files.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

DELIMITERS = (";", ",", "\t")


class CsvUnreadable(ValueError):
    """The file is not CSV text we can read; ``reason`` says why, in English."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CsvTable:
    header: list[str]
    # (line number in the file, the cells), for every non-empty row after the header.
    rows: list[tuple[int, list[str]]]
    delimiter: str
    encoding: str


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding used: UTF-8 (a BOM is dropped), else Windows-1252."""
    if b"\x00" in data[:4096]:
        raise CsvUnreadable("binary file (maybe a spreadsheet; save it as CSV)")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "windows-1252"


def _delimiter(header_line: str) -> str:
    """The delimiter that splits the header into the most columns (ties: ``;``, ``,``, tab)."""
    counts = {d: len(next(csv.reader([header_line], delimiter=d))) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))


def read_table(data: bytes) -> CsvTable:
    text, encoding = decode(data)
    if not text.strip():
        raise CsvUnreadable("the file is empty")
    first = text.lstrip("\r\n").splitlines()[0]
    delimiter = _delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip() for cell in cells]
                continue
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise CsvUnreadable(f"line {reader.line_num}: {exc}") from None
    if header is None:
        raise CsvUnreadable("the file is empty")
    return CsvTable(header=header, rows=rows, delimiter=delimiter, encoding=encoding)
