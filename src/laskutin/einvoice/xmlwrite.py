"""Small helpers for writing XML with lxml, and for fitting free text into length limits.

lxml ships no type information, so its objects are ``Any``; this module is where that stays.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

Node = Any  # an lxml element

# Characters XML 1.0 forbids (C0 controls other than tab, line feed and carriage return, lone
# surrogates, U+FFFE/U+FFFF): lxml refuses to write them, and users paste them from PDFs.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """``text`` without characters XML cannot carry, stripped of surrounding blanks."""
    return _NOT_XML.sub("", text).strip()


def root(tag: str, nsmap: dict[str | None, str] | None = None, **attributes: str) -> Node:
    return etree.Element(tag, attributes, nsmap=nsmap)


def sub(parent: Node, tag: str, text: str | None = None, **attributes: str | None) -> Node:
    """A child element with ``text`` and the attributes that are not None."""
    element = etree.SubElement(parent, tag, {k: v for k, v in attributes.items() if v is not None})
    if text is not None:
        element.text = clean(text)
    return element


_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def serialise(element: Node) -> bytes:
    """UTF-8 with the usual double-quoted declaration (lxml writes single quotes, which some
    receivers' hand-written parsers do not expect)."""
    return _DECLARATION + bytes(etree.tostring(element, encoding="UTF-8", pretty_print=True))


def chunks(text: str, size: int, limit: int) -> list[str]:
    """Split ``text`` into at most ``limit`` pieces of at most ``size`` characters, breaking
    between words where it can; what does not fit into ``limit`` pieces is cut off."""
    pieces: list[str] = []
    rest = " ".join(clean(text).split())
    while rest and len(pieces) < limit:
        if len(rest) <= size:
            pieces.append(rest)
            break
        cut = rest.rfind(" ", 0, size + 1)
        if cut <= 0:
            cut = size
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return pieces
