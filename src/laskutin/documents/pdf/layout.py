"""Page geometry of the invoice and the pagination of its body. Pure: no ReportLab.

All measures are millimetres on an A4 page, y from the top edge. The body (the line table and
what follows it) flows from page to page; every page that holds table rows repeats the table's
header above them. The last page holds the end of the body and, on an invoice, the bank
transfer form across its bottom; a page before it ends at the normal footer.

The pagination is decided before anything is drawn, so every page can print "page x / y".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from laskutin.documents.pdf.sheet import Sheet

PAGE_WIDTH = 210.0
PAGE_HEIGHT = 297.0
LEFT = 15.0  # margins
RIGHT = 195.0
CONTENT_WIDTH = RIGHT - LEFT

FOOTER_HEIGHT = 15.0  # five lines of 7 pt
FOOTER_GAP = 3.0  # between the body and the footer's rule
FOOTER_BOTTOM = 10.0  # above the page edge, on pages without the transfer form

# The transfer form: the bottom 95 mm of the last page (Kitsas's block height; rockola uses
# 102 mm; tilisiirto-and-terms.md §1.2 plans for 95-102 mm).
FORM_HEIGHT = 95.0
FORM_TOP = PAGE_HEIGHT - FORM_HEIGHT

NEXT_PAGE_BODY_TOP = 26.0  # below the short header of the second and later pages


def footer_top(with_form: bool) -> float:
    """Where the footer's rule is: above the transfer form, or near the page's bottom."""
    bottom = FORM_TOP - 3.0 if with_form else PAGE_HEIGHT - FOOTER_BOTTOM
    return bottom - FOOTER_HEIGHT


def body_bottom(with_form: bool) -> float:
    """The lowest y the body may reach on a page (with the transfer form or without)."""
    return footer_top(with_form) - FOOTER_GAP


class Measured(Protocol):
    """What pagination needs to know of a piece of the body."""

    @property
    def height(self) -> float: ...
    @property
    def is_row(self) -> bool: ...
    @property
    def keep_with_next(self) -> bool: ...


class Piece(Measured, Protocol):
    """A piece of the body that draws itself with its top at ``top``."""

    def draw(self, sheet: Sheet, top: float) -> None: ...


@dataclass(frozen=True)
class Block:
    """A piece of the body that is never split: a table row or a block after the table."""

    height: float
    is_row: bool = False  # needs the table header above it on its page
    keep_with_next: bool = False  # a heading: never the last thing on a page


@dataclass
class PagePlan:
    header_y: float | None = None  # where the table header goes (None: no rows on this page)
    placed: list[tuple[int, float]] = field(default_factory=list)  # (block index, top y)


@dataclass(frozen=True)
class Frame:
    first_top: float  # where the body starts on the first page
    next_top: float  # ... and on later pages
    bottom: float  # the body's lowest y on a page that is not the last
    last_bottom: float  # ... and on the last page (above the transfer form, if any)
    header_height: float  # the table header's height


def _place(
    blocks: Sequence[Measured], indexes: Sequence[int], top: float, frame: Frame
) -> PagePlan:
    """Blocks ``indexes`` on a fresh page from ``top`` (the table header before the first row)."""
    page = PagePlan()
    y = top
    for index in indexes:
        if blocks[index].is_row and page.header_y is None:
            page.header_y = y
            y += frame.header_height
        page.placed.append((index, y))
        y += blocks[index].height
    return page


def _end(blocks: Sequence[Measured], page: PagePlan) -> float:
    index, y = page.placed[-1]
    return y + blocks[index].height


def paginate(blocks: Sequence[Measured], frame: Frame) -> list[PagePlan]:
    """Pages of the body: fill each page down to ``frame.bottom``; then make sure the last page
    ends above ``frame.last_bottom`` (the transfer form's place), by moving the end of its
    body to one more page (at least one block stays behind, so no page holds only the table
    header) or, when nothing fits, by a last page with nothing but the footer (and the form).
    A heading (``keep_with_next``) never ends a page."""
    pages: list[PagePlan] = []
    current: list[int] = []
    top = y = frame.first_top
    has_header = False
    for index, block in enumerate(blocks):
        need = block.height + (frame.header_height if block.is_row and not has_header else 0)
        if current and y + need > frame.bottom:
            carried: list[int] = []
            while len(current) > 1 and blocks[current[-1]].keep_with_next:
                carried.insert(0, current.pop())
            pages.append(_place(blocks, current, top, frame))
            current, top = [*carried, index], frame.next_top
            page = _place(blocks, current, top, frame)
            y, has_header = _end(blocks, page), page.header_y is not None
        else:
            current.append(index)
            y += need
            has_header = has_header or block.is_row
    last = _place(blocks, current, top, frame)
    if not current or _end(blocks, last) <= frame.last_bottom:
        return [*pages, last]
    # Move the end of the page to a last page of its own: as little as needed, and a table row
    # along with what follows the table when the page has rows, so the totals do not stand
    # alone (a "widow") when they need not.
    rows = [cut for cut in range(len(current)) if blocks[current[cut]].is_row]
    cuts = [
        cut
        for cut in range(len(current) - 1, 0, -1)
        if not blocks[current[cut - 1]].keep_with_next
        and _end(blocks, _place(blocks, current[cut:], frame.next_top, frame)) <= frame.last_bottom
    ]
    preferred = [cut for cut in cuts if rows and cut <= rows[-1]]
    if cuts:
        cut = (preferred or cuts)[0]
        moved = _place(blocks, current[cut:], frame.next_top, frame)
        return [*pages, _place(blocks, current[:cut], top, frame), moved]
    return [*pages, last, PagePlan()]
