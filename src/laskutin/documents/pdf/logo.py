"""The company logo, made ready for the PDF once per process and logo.

A logo (PNG or JPEG, checked at upload by companies/logo.py) is drawn scaled into the seller
block's box. Preparing it costs more than the rest of a page (decoding, flattening, scaling), so
the prepared image is cached by its bytes; the cache changes no output, only the time.

- A JPEG that needs no scaling is embedded as it is (ReportLab passes JPEG data through).
- Anything else is decoded, flattened onto white (paper is white; this saves the soft mask an
  alpha channel needs) and scaled down to :data:`MAX_DPI` at the largest size it can print, so
  a photo-sized upload does not make every invoice PDF heavy.
- A logo that cannot be decoded is left out (a broken image must not stop an invoice).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, UnidentifiedImageError
from reportlab.lib.utils import ImageReader

from laskutin.documents.data import Logo

MAX_WIDTH = 60.0  # the logo box in the seller block, millimetres
MAX_HEIGHT = 20.0
MAX_DPI = 300


@dataclass(frozen=True)
class PreparedLogo:
    image: ImageReader
    width: float  # as printed, millimetres (fits MAX_WIDTH x MAX_HEIGHT, aspect kept)
    height: float


def _box(width_px: int, height_px: int) -> tuple[float, float]:
    scale = min(MAX_WIDTH / width_px, MAX_HEIGHT / height_px)
    return width_px * scale, height_px * scale


def _max_pixels(width_mm: float, height_mm: float) -> tuple[int, int]:
    return (
        max(1, round(width_mm / 25.4 * MAX_DPI)),
        max(1, round(height_mm / 25.4 * MAX_DPI)),
    )


def _flat(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "L"):
        return image
    rgba = image.convert("RGBA")
    paper = Image.new("RGB", rgba.size, "white")
    paper.paste(rgba, mask=rgba.getchannel("A"))
    return paper


@lru_cache(maxsize=32)
def _prepare(data: bytes) -> PreparedLogo | None:
    try:
        with Image.open(io.BytesIO(data)) as opened:
            width, height = _box(*opened.size)
            limit = _max_pixels(width, height)
            if (
                opened.format == "JPEG"
                and opened.mode in ("RGB", "L")
                and opened.size[0] <= limit[0]
                and opened.size[1] <= limit[1]
            ):
                return PreparedLogo(ImageReader(io.BytesIO(data)), width, height)
            opened.draft("RGB", limit)  # JPEG: decode at a reduced scale when it can
            image = _flat(opened)
            if image.size[0] > limit[0] or image.size[1] > limit[1]:
                image = image.resize(limit, Image.Resampling.LANCZOS)
            image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    return PreparedLogo(ImageReader(image), width, height)


def prepared_logo(logo: Logo | None) -> PreparedLogo | None:
    """The logo ready to draw, or None (no logo, or one that cannot be decoded)."""
    return None if logo is None else _prepare(logo.data)
