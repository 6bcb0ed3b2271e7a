"""Uploaded pictures are re-encoded: metadata gone, size bounded, non-images refused."""

import io

import pytest
from PIL import Image

from shequn.core import images


def _png(size=(40, 30), mode="RGBA") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, (200, 10, 10, 128) if mode == "RGBA" else 128).save(buf, "PNG")
    return buf.getvalue()


def _jpeg_with_gps(size=(3000, 2000)) -> bytes:
    img = Image.new("RGB", size, (10, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = 6                      # orientation: rotate 90° clockwise
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0)}   # GPS IFD
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def test_reencoded_as_jpeg_without_exif_upright_and_bounded():
    pic = images.reencode(_jpeg_with_gps())
    out = Image.open(io.BytesIO(pic.data))
    assert out.format == "JPEG"
    assert not out.getexif()                       # GPS and the rest are gone
    assert (pic.width, pic.height) == (1067, 1600)  # turned upright, longer side 1600
    thumb = Image.open(io.BytesIO(pic.thumb))
    assert max(thumb.size) == images.THUMB_SIDE
    assert len(pic.sha256) == 64


def test_transparent_png_flattened_on_white():
    pic = images.reencode(_png())
    assert Image.open(io.BytesIO(pic.data)).mode == "RGB"
    assert (pic.width, pic.height) == (40, 30)


@pytest.mark.parametrize("raw", [
    b"",
    b"<html><script>alert(1)</script></html>",
    b"%PDF-1.7\n1 0 obj\n",
    _png()[:60],                                   # truncated
])
def test_not_an_image_refused(raw):
    with pytest.raises(images.ImageRejected) as ei:
        images.reencode(raw)
    assert ei.value.reason == "not_image"


def test_too_many_bytes_or_pixels_refused():
    with pytest.raises(images.ImageRejected) as ei:
        images.reencode(_png(), max_bytes=10)
    assert ei.value.reason == "too_large"
    buf = io.BytesIO()
    Image.new("L", (8000, 6000)).save(buf, "PNG")     # 48 MP, compresses to little
    with pytest.raises(images.ImageRejected) as ei:
        images.reencode(buf.getvalue())
    assert ei.value.reason == "too_large"
