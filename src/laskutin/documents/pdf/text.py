"""Breaking text into lines that fit a width (greedy, at spaces; a word wider than the line is
broken between characters). Line breaks in the text are kept: they are the writer's."""

from __future__ import annotations

from laskutin.documents.pdf.fonts import text_width
from laskutin.documents.pdf.sheet import MM


def wrap(text: str, face: str, size: float, width: float) -> list[str]:
    """Lines of ``text`` no wider than ``width`` mm in ``face`` at ``size`` pt ([] if empty)."""
    limit = width * MM
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        paragraph = paragraph.rstrip()
        if text_width(paragraph, face, size) <= limit:
            lines.append(paragraph)
            continue
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if text_width(candidate, face, size) <= limit:
                line = candidate
                continue
            if line:
                lines.append(line)
            while text_width(word, face, size) > limit and len(word) > 1:
                cut = _fitting_prefix(word, face, size, limit)
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _fitting_prefix(word: str, face: str, size: float, limit: float) -> int:
    """How many leading characters of ``word`` fit ``limit`` points (at least one)."""
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if text_width(word[:middle], face, size) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def clip(text: str, face: str, size: float, width: float) -> str:
    """``text`` cut to fit ``width`` mm on one line, with an ellipsis when cut."""
    limit = width * MM
    if text_width(text, face, size) <= limit:
        return text
    cut = _fitting_prefix(text, face, size, limit - text_width("…", face, size))
    return text[:cut].rstrip() + "…"
