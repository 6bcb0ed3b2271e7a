"""Uploaded pictures: checked, re-encoded and made small before anything stores them.

Re-encoding (never storing the bytes as sent) is the point: it drops EXIF
(phones write the GPS position into every photo), defeats polyglot files
(an "image" that is also HTML or a ZIP), and bounds the size we keep. Pillow
decides what the file is from its content, not from the name or the client's
content type.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "MPO"})
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_SOURCE_PIXELS = 40_000_000      # a 40 MP phone photo; beyond is a decompression bomb
MAX_SIDE = 1600
THUMB_SIDE = 320


class ImageRejected(ValueError):
    """Not an accepted picture. ``reason`` is one of: too_large, not_image."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Picture:
    data: bytes            # JPEG, metadata stripped
    thumb: bytes           # JPEG, THUMB_SIDE on the longer side
    width: int
    height: int
    sha256: str            # of ``data``


def _jpeg(img: Image.Image, side: int, quality: int) -> tuple[bytes, int, int]:
    copy = img.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue(), copy.width, copy.height


def _open_checked(raw: bytes, max_bytes: int) -> Image.Image:
    """The decoded picture, upright and in RGB, or ImageRejected."""
    if len(raw) > max_bytes:
        raise ImageRejected("too_large")
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ImageRejected("not_image")
            if probe.width * probe.height > MAX_SOURCE_PIXELS:
                raise ImageRejected("too_large")
            probe.verify()
        with Image.open(io.BytesIO(raw)) as img:
            img.load()
            # Phones store the camera's orientation in EXIF; apply it before EXIF goes.
            upright = ImageOps.exif_transpose(img) or img
            if upright.mode not in ("RGB", "L"):
                background = Image.new("RGB", upright.size, "white")
                rgba = upright.convert("RGBA")
                background.paste(rgba, mask=rgba.getchannel("A"))
                upright = background
            return upright.convert("RGB")
    except ImageRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError):
        raise ImageRejected("not_image") from None


def square(raw: bytes, side: int, *, max_bytes: int = MAX_UPLOAD_BYTES) -> Picture:
    """A centre-cropped square JPEG of ``side`` pixels (avatars)."""
    img = ImageOps.fit(_open_checked(raw, max_bytes), (side, side), Image.Resampling.LANCZOS)
    data, width, height = _jpeg(img, side, 88)
    thumb, _, _ = _jpeg(img, min(side, 96), 85)
    return Picture(data=data, thumb=thumb, width=width, height=height,
                   sha256=hashlib.sha256(data).hexdigest())


def reencode(raw: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES) -> Picture:
    """The picture in ``raw`` as a clean JPEG and its thumbnail, or ImageRejected."""
    upright = _open_checked(raw, max_bytes)
    data, width, height = _jpeg(upright, MAX_SIDE, 85)
    thumb, _, _ = _jpeg(upright, THUMB_SIDE, 80)
    return Picture(data=data, thumb=thumb, width=width, height=height,
                   sha256=hashlib.sha256(data).hexdigest())
