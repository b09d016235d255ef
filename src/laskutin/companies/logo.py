"""The company logo: which images are accepted, checked without decoding the pixels.

Pure rules, no I/O. A logo is a PNG or JPEG file of at most :data:`MAX_LOGO_BYTES`, at most
:data:`MAX_LOGO_SIDE` pixels a side. :func:`inspect_logo` checks the file's magic bytes against
its declared type and reads its size from the header: PNG's IHDR chunk (width, height; its CRC
is checked and the chunk list is walked to IEND, which catches a cut-off upload), JPEG's first
SOF (start of frame) marker.

Why a tiny reader of our own instead of Pillow: Pillow is not a dependency, and all we need is
"is this really a PNG/JPEG and how big is it" -- a few dozen lines of the two formats' headers
(PNG: ISO/IEC 15948 §5.3 chunk layout, §11.2.2 IHDR; JPEG: ITU T.81 Annex B.1 marker segments,
B.2.2 frame header). The PDF renderer (ReportLab) decodes the pixels later and fails loudly on
what this check cannot see; the side limit keeps a tiny file from being a huge bitmap there.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from laskutin.core.errors import RuleViolation

MAX_LOGO_BYTES = 512 * 1024
MAX_LOGO_SIDE = 8000
PNG = "image/png"
JPEG = "image/jpeg"
LOGO_TYPES = (PNG, JPEG)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SOI = b"\xff\xd8\xff"


class LogoTooLarge(RuleViolation):
    """The file is over the size limit (the API answers 413)."""

    code = "logo-too-large"
    messages = {
        "fi": "Logo on liian suuri: enintään {limit_kib} KiB.",
        "sv": "Logotypen är för stor: högst {limit_kib} KiB.",
        "en": "The logo is too large: at most {limit_kib} KiB.",
    }


class LogoUnsupportedType(RuleViolation):
    """Not a PNG or JPEG by its Content-Type (the API answers 415)."""

    code = "logo-unsupported-type"
    messages = {
        "fi": "Logon pitää olla PNG- tai JPEG-kuva (Content-Type image/png tai image/jpeg), "
        "ei {value}.",
        "sv": "Logotypen ska vara en PNG- eller JPEG-bild (Content-Type image/png eller "
        "image/jpeg), inte {value}.",
        "en": "The logo must be a PNG or JPEG image (Content-Type image/png or image/jpeg), "
        "not {value}.",
    }


class LogoBroken(RuleViolation):
    """The bytes are not a readable image of the declared type (422)."""

    code = "logo-broken"
    messages = {
        "fi": "Tiedosto ei ole ehjä {kind}-kuva: {reason}.",
        "sv": "Filen är inte en hel {kind}-bild: {reason}.",
        "en": "The file is not a readable {kind} image: {reason}.",
    }


class LogoTooManyPixels(RuleViolation):
    code = "logo-too-many-pixels"
    messages = {
        "fi": "Logo on {width} × {height} pikseliä; kumpikin sivu saa olla enintään {limit}.",
        "sv": "Logotypen är {width} × {height} pixlar; vardera sidan får vara högst {limit}.",
        "en": "The logo is {width} × {height} pixels; each side may be at most {limit}.",
    }


@dataclass(frozen=True)
class ImageInfo:
    content_type: str
    width: int
    height: int


def media_type(content_type: str | None) -> str:
    """``image/PNG; charset=x`` -> ``image/png``; None -> ``""``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def check_type(content_type: str | None) -> str:
    """The declared media type, if it is one a logo may have; else LogoUnsupportedType."""
    kind = media_type(content_type)
    if kind not in LOGO_TYPES:
        raise LogoUnsupportedType(value=kind or "(none)")
    return kind


def check_size(size: int) -> None:
    if size > MAX_LOGO_BYTES:
        raise LogoTooLarge(limit_kib=MAX_LOGO_BYTES // 1024)


def _broken(kind: str, reason: str) -> LogoBroken:
    return LogoBroken(field="body", kind=kind, reason=reason)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR, after walking every chunk to IEND."""
    if not data.startswith(PNG_SIGNATURE):
        raise _broken("PNG", "no PNG signature")
    position = len(PNG_SIGNATURE)
    size: tuple[int, int] | None = None
    seen_idat = False
    while True:
        if position + 8 > len(data):
            raise _broken("PNG", "the file ends in the middle of a chunk")
        length = int.from_bytes(data[position : position + 4], "big")
        chunk_type = data[position + 4 : position + 8]
        body_end = position + 8 + length
        if length > 0x7FFFFFFF or body_end + 4 > len(data):
            raise _broken("PNG", "the file ends in the middle of a chunk")
        body = data[position + 8 : body_end]
        crc = int.from_bytes(data[body_end : body_end + 4], "big")
        if zlib.crc32(chunk_type + body) != crc:
            raise _broken("PNG", f"chunk {chunk_type!r} has a wrong checksum")
        if size is None:
            if chunk_type != b"IHDR" or length != 13:
                raise _broken("PNG", "the header chunk IHDR is missing")
            width, height = int.from_bytes(body[0:4], "big"), int.from_bytes(body[4:8], "big")
            if width == 0 or height == 0:
                raise _broken("PNG", "width or height is zero")
            size = (width, height)
        elif chunk_type == b"IDAT":
            seen_idat = True
        elif chunk_type == b"IEND":
            if not seen_idat:
                raise _broken("PNG", "there is no image data")
            return size
        position = body_end + 4


# SOF markers carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RSTn: no length field


def jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from a JPEG's first SOF marker segment."""
    if not data.startswith(JPEG_SOI):
        raise _broken("JPEG", "no JPEG start marker")
    position = 2
    while position < len(data):
        if data[position] != 0xFF:
            raise _broken("JPEG", "a marker is missing where one should be")
        while position < len(data) and data[position] == 0xFF:  # fill bytes
            position += 1
        if position >= len(data):
            break
        marker = data[position]
        position += 1
        if marker in _STANDALONE:
            continue
        if marker in (0xD9, 0xDA):  # EOI or start of scan before any frame header
            raise _broken("JPEG", "there is no frame header (SOF)")
        if position + 2 > len(data):
            break
        length = int.from_bytes(data[position : position + 2], "big")
        if length < 2 or position + length > len(data):
            break
        if marker in _SOF_MARKERS:
            if length < 8:
                raise _broken("JPEG", "the frame header is too short")
            height = int.from_bytes(data[position + 3 : position + 5], "big")
            width = int.from_bytes(data[position + 5 : position + 7], "big")
            if width == 0 or height == 0:
                raise _broken("JPEG", "width or height is zero")
            return width, height
        position += length
    raise _broken("JPEG", "the file ends before the frame header")


def inspect_logo(data: bytes, content_type: str | None) -> ImageInfo:
    """Check an uploaded logo: type (LogoUnsupportedType), size (LogoTooLarge), that the bytes
    are the declared format with a readable size (LogoBroken), and its pixel sides."""
    kind = check_type(content_type)
    check_size(len(data))
    if not data:
        raise _broken("PNG" if kind == PNG else "JPEG", "the file is empty")
    width, height = png_size(data) if kind == PNG else jpeg_size(data)
    if width > MAX_LOGO_SIDE or height > MAX_LOGO_SIDE:
        raise LogoTooManyPixels(field="body", width=width, height=height, limit=MAX_LOGO_SIDE)
    return ImageInfo(content_type=kind, width=width, height=height)
