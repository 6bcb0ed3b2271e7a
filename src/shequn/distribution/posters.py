"""Share posters (分享海报): PNG pictures a leader sends into a group chat.

Three kinds, all 750 × 1334 (a phone screen at 2x):

- product poster: product picture (or a generated card), name, the seller's price,
  shop name and a QR code of the signed share link with channel ``poster``;
- shop card: the shop's name and intro with a QR code of the shop link;
- invite poster: "become a leader" with a QR code of the leader's invite link.

Everything is drawn locally with Pillow and segno. Chinese text needs a CJK font:
WenQuanYi Zen Hei from the Debian package ``fonts-wqy-zenhei``; nothing is fetched at
run time. Without it the poster falls back to DejaVu (Chinese glyphs then show as
boxes) and a warning is logged, so a missing package is noticed and not hidden.

The text is in the active language (the leader's, from the request that asks for the
poster): one language per picture, like the pages. Product and brand names are the
English ones on an English poster when they have one (catalog.names), else as entered.

The QR code is drawn module by module into ``QR_BOX`` so tests (and a scanner) find it
at a known place; ``qr_geometry`` says where each module lies.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import shutil
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import resvg_py
import segno
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from shequn.core.money import q2

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 750, 1334
# Left, top and side of the square the QR code (with its quiet zone) is drawn into.
QR_BOX = (450, 1030, 250)
QR_BORDER = 2  # modules of white around the symbol (the white card adds more)
ACCENT = (255, 77, 79)
INK = (31, 35, 41)
MUTED = (138, 145, 159)
BG = (245, 246, 248)
WHITE = (255, 255, 255)

CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy-zenhei/wqy-zenhei.ttc",
)
FALLBACK_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
_RASTER_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif")


# --------------------------------------------------------------------------- fonts

def _fc_match(family: str) -> str | None:
    """Ask fontconfig where a family lives (a local lookup, no network)."""
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "-f", "%{file}", family], capture_output=True,  # noqa: S603
                             text=True, timeout=5, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out or None


@functools.lru_cache(maxsize=1)
def font_file() -> str | None:
    """Path of the CJK font, else of DejaVu (with a warning), else None."""
    for path in CJK_FONT_CANDIDATES:
        if Path(path).is_file():
            return path
    found = _fc_match("WenQuanYi Zen Hei")
    if found and "wqy" in found.lower() and Path(found).is_file():
        return found
    for path in FALLBACK_FONTS:
        if Path(path).is_file():
            log.warning("CJK font missing (apt-get install fonts-wqy-zenhei); posters use %s, "
                        "Chinese text will not render", path)
            return path
    log.warning("no TrueType font found; posters use Pillow's built-in bitmap font")
    return None


def has_cjk_font() -> bool:
    path = font_file()
    return bool(path and "wqy" in path.lower())


@functools.lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = font_file()
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size)


# Where a line may break: at a space, or between two CJK characters (Chinese has no
# spaces), never inside a Latin word or number. Closing punctuation stays with what it
# closes and opening punctuation with what it opens, so no line starts with "，" or
# ends with "（".
_CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_PIECE = re.compile(rf"\s+|[{_CJK}]|[^\s{_CJK}]+")
_NO_LINE_START = "，。、；：！？）》」』】〕…·,.;:!?)"
_NO_LINE_END = "（《「『【〔("


def _pieces(text: str) -> list[tuple[str, bool]]:
    """The unbreakable pieces of ``text``, each with whether a space comes before it."""
    pieces: list[tuple[str, bool]] = []
    space = glue = False
    for match in _PIECE.finditer(text):
        piece = match.group()
        if piece.isspace():
            space = True
            continue
        if pieces and not space and (glue or piece[0] in _NO_LINE_START):
            pieces[-1] = (pieces[-1][0] + piece, pieces[-1][1])
        else:
            pieces.append((piece, space))
        glue = piece[-1] in _NO_LINE_END
        space = False
    return pieces


def _wrap(draw: ImageDraw.ImageDraw, text: str, size: int, width: int,
          max_lines: int) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` pixels, at spaces and between
    CJK characters (see _pieces); the last line ends in … when cut. A word wider than
    a whole line (a long URL) is the one thing cut mid-word."""
    font = _font(size)

    def fits(line: str) -> bool:
        return draw.textlength(line, font=font) <= width

    lines: list[str] = []
    current = ""
    for piece, space in _pieces(text):
        joined = f"{current} {piece}" if current and space else current + piece
        if fits(joined):
            current = joined
            continue
        if current:
            lines.append(current)
        current = piece
        while len(lines) < max_lines and not fits(current):
            cut = max(1, max((k for k in range(1, len(current)) if fits(current[:k])),
                             default=1))
            lines.append(current[:cut])
            current = current[cut:]
        if len(lines) == max_lines:  # text is left over
            last = lines[-1]
            while last and not fits(last + "…"):
                last = last[:-1]
            lines[-1] = last.rstrip() + "…"
            return lines
    if current:
        lines.append(current)
    return lines


def _text(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, size: int,
          fill: tuple[int, int, int]) -> None:
    draw.text(xy, text, font=_font(size), fill=fill)


# --------------------------------------------------------------------------- QR

@dataclass(frozen=True)
class QRGeometry:
    left: int
    top: int
    module: int  # pixels per module
    size: int  # modules per side, quiet zone included


def qr_geometry(url: str) -> QRGeometry:
    qr = segno.make(url, error="m")
    n = int(qr.symbol_size(border=QR_BORDER)[0])
    left, top, box = QR_BOX
    module = box // n
    pad = (box - module * n) // 2
    return QRGeometry(left=left + pad, top=top + pad, module=module, size=n)


def _draw_qr(img: Image.Image, url: str) -> None:
    qr = segno.make(url, error="m")
    geo = qr_geometry(url)
    left, top, box = QR_BOX
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((left - 12, top - 12, left + box + 12, top + box + 12), 16, fill=WHITE)
    for r, row in enumerate(qr.matrix_iter(border=QR_BORDER)):
        for c, dark in enumerate(row):
            if dark:
                x, y = geo.left + c * geo.module, geo.top + r * geo.module
                draw.rectangle((x, y, x + geo.module - 1, y + geo.module - 1), fill=(0, 0, 0))


# --------------------------------------------------------------------------- pictures

def _static_image(path: str, side: int = 630) -> Image.Image | None:
    """A product picture from the static files: raster as is, SVG illustrations
    rendered by resvg (a self-contained renderer: no system library, no network)."""
    path = (path or "").strip()
    lower = path.lower()
    if not path or not (lower.endswith(_RASTER_SUFFIXES) or lower.endswith(".svg")):
        return None
    from django.conf import settings
    from django.contrib.staticfiles import finders

    rel = path
    prefix = str(settings.STATIC_URL or "/static/")
    if rel.startswith(prefix):
        rel = rel[len(prefix):]
    found = finders.find(rel.lstrip("/"))
    if not found:
        return None
    file = found if isinstance(found, str) else found[0]
    try:
        if lower.endswith(".svg"):
            png = bytes(resvg_py.svg_to_bytes(svg_path=file, width=side, height=side,
                                              skip_system_fonts=True))
            with Image.open(io.BytesIO(png)) as im:
                return _flatten(im)
        with Image.open(file) as im:
            return _flatten(im)
    except (OSError, ValueError):
        log.warning("product picture %s cannot be read; using a generated card", path)
        return None


def _bytes_image(data: bytes) -> Image.Image | None:
    try:
        with Image.open(io.BytesIO(data)) as im:
            return _flatten(im)
    except (OSError, ValueError):
        log.warning("uploaded product picture cannot be read; using the illustration")
        return None


def _flatten(im: Image.Image) -> Image.Image:
    """RGB on white (transparent PNG/SVG corners must not turn black)."""
    if im.mode in ("RGBA", "LA", "P"):
        rgba = im.convert("RGBA")
        bg = Image.new("RGB", rgba.size, WHITE)
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    return im.convert("RGB")


def _avatar_disc(avatar: bytes | None, name: str, side: int) -> Image.Image:
    """The leader's avatar in a circle (RGBA), or their initial on the accent colour."""
    disc = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    mask = Image.new("L", (side, side), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, side - 1, side - 1), fill=255)
    face: Image.Image | None = None
    if avatar:
        try:
            with Image.open(io.BytesIO(avatar)) as im:
                face = _fit(_flatten(im), side)
        except (OSError, ValueError):
            face = None
    if face is None:
        face = Image.new("RGB", (side, side), WHITE)
        draw = ImageDraw.Draw(face)
        ch = (name or "社")[:1]
        font = _font(side // 2)
        w = draw.textlength(ch, font=font)
        draw.text(((side - w) / 2, side * 0.2), ch, font=font, fill=ACCENT)
    disc.paste(face, (0, 0), mask)
    return disc


def _fit(im: Image.Image, side: int) -> Image.Image:
    """Scale and centre-crop to a square."""
    w, h = im.size
    s = min(w, h)
    im = im.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s))
    return im.resize((side, side), Image.Resampling.LANCZOS)


def _generated_card(side: int, initial: str, subtitle: str) -> Image.Image:
    """A clean picture for products without a raster image: soft gradient, big initial."""
    card = Image.new("RGB", (side, side), WHITE)
    draw = ImageDraw.Draw(card)
    top, bottom = (255, 236, 236), (255, 247, 230)
    for y in range(side):
        t = y / max(side - 1, 1)
        draw.line((0, y, side, y), fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom,
                                                                                   strict=True)))
    big = _font(side // 3)
    ch = (initial or "社")[:1]
    w = draw.textlength(ch, font=big)
    draw.text(((side - w) / 2, side * 0.28), ch, font=big, fill=ACCENT)
    small = _font(30)
    sub = subtitle[:24]
    w = draw.textlength(sub, font=small)
    draw.text(((side - w) / 2, side * 0.72), sub, font=small, fill=MUTED)
    return card


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


AVATAR_BOX = (36, 20, 80)  # left, top, side of the leader's avatar in the header


def _canvas(header: str, *, avatar: bytes | None = None, person: str = ""
            ) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """The poster's background and red header; with ``person`` (the leader), their
    avatar (or initial) leads the header, as a WeChat card shows who shared it."""
    img = Image.new("RGB", (WIDTH, HEIGHT), BG)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, WIDTH, 120), fill=ACCENT)
    x = 40
    if person or avatar:
        left, top, side = AVATAR_BOX
        draw.ellipse((left - 3, top - 3, left + side + 2, top + side + 2), fill=WHITE)
        disc = _avatar_disc(avatar, person, side)
        img.paste(disc, (left, top), disc)
        x = left + side + 20
    for i, line in enumerate(_wrap(draw, header, 40, WIDTH - x - 40, 1)):
        _text(draw, (x, 36 + i * 48), line, 40, WHITE)
    return img, draw


def _footer(draw: ImageDraw.ImageDraw, lines: list[tuple[str, int, tuple[int, int, int]]]) -> None:
    """Text to the left of the QR code, then the personal-use note along the bottom."""
    y = QR_BOX[1] + 10
    for text, size, color in lines:
        for line in _wrap(draw, text, size, QR_BOX[0] - 70, 2):
            _text(draw, (40, y), line, size, color)
            y += size + 12
    _text(draw, (40, HEIGHT - 46), _("Imported goods, for personal use only"), 22, MUTED)


def price_label(prices: list[Decimal]) -> str:
    """``¥298.00``, or ``¥98.00 起`` (from ¥98.00) when SKUs differ in price."""
    if not prices:
        return ""
    low, high = min(prices), max(prices)
    label = f"¥{q2(low):,.2f}"
    return _("from %(price)s") % {"price": label} if high != low else label


# --------------------------------------------------------------------------- posters

def product_poster(*, product: Any, shop_name: str, url: str,
                   prices: list[Decimal] | None = None, leader_name: str = "",
                   avatar: bytes | None = None, photo: bytes | None = None) -> bytes:
    """PNG poster for one product of a shop; ``url`` (absolute) goes into the QR code.
    ``photo`` (the product's first uploaded picture, JPEG) wins over the static
    illustration (Product.image), which wins over a generated card.
    ``prices`` are the active SKUs' seller prices (read from the product if omitted);
    the leader's avatar (or initial) leads the header."""
    if prices is None:
        prices = [sku.price for sku in product.skus.filter(active=True)]
    img, draw = _canvas(shop_name, avatar=avatar, person=leader_name or shop_name)
    side = 630
    pic = _bytes_image(photo) if photo else None
    if pic is None:
        pic = _static_image(getattr(product, "image", "") or "", side)
    # Names in the poster's language (catalog.names): English when it is English
    # and the product or brand has an English name.
    name = getattr(product, "display_name", None) or product.name
    owner = getattr(product, "brand", None)
    brand = (getattr(owner, "display_name", None) or getattr(owner, "name", "")) or ""
    picture = _fit(pic, side) if pic is not None else _generated_card(side, name, brand)
    draw.rounded_rectangle((50, 140, 50 + side + 20, 140 + side + 20), 18, fill=WHITE)
    img.paste(picture, (60, 150))
    y = 810
    for line in _wrap(draw, name, 40, WIDTH - 80, 2):
        _text(draw, (40, y), line, 40, INK)
        y += 52
    label = price_label(prices)
    if label:
        _text(draw, (40, 930), label, 56, ACCENT)
        _text(draw, (40, 996), _("Price set by the brand's seller"), 22, MUTED)
    _draw_qr(img, url)
    _footer(draw, [(_("Long-press the QR code to buy"), 30, INK),
                   (_("From %(shop)s") % {"shop": shop_name}, 26, MUTED)])
    return _png(img)


def shop_poster(*, shop_name: str, intro: str, url: str, leader_name: str = "",
                avatar: bytes | None = None) -> bytes:
    """PNG card for a whole shop; ``url`` goes into the QR code. The leader's
    avatar stands in the middle when they have one, else the shop's initial."""
    img, draw = _canvas(_("Shequn · good finds to share"))
    draw.rounded_rectangle((50, 160, WIDTH - 50, 940), 24, fill=WHITE)
    if avatar:
        disc = _avatar_disc(avatar, shop_name, 300)
        img.paste(disc, (WIDTH // 2 - 150, 220), disc)
    else:
        initial = _font(200)
        ch = (shop_name or "店")[:1]
        w = draw.textlength(ch, font=initial)
        draw.ellipse((WIDTH / 2 - 150, 220, WIDTH / 2 + 150, 520), fill=ACCENT)
        draw.text(((WIDTH - w) / 2, 262), ch, font=initial, fill=WHITE)
    y = 570
    for line in _wrap(draw, shop_name, 48, WIDTH - 160, 2):
        w = draw.textlength(line, font=_font(48))
        _text(draw, (int((WIDTH - w) / 2), y), line, 48, INK)
        y += 60
    for line in _wrap(draw, intro or _("Genuine bonded goods · straight from the brands"), 28,
                      WIDTH - 180, 4):
        _text(draw, (90, y + 10), line, 28, MUTED)
        y += 40
    _draw_qr(img, url)
    who = (_("Leader %(name)s") % {"name": leader_name} if leader_name
           else _("Recommended by a leader"))
    _footer(draw, [(_("Long-press the QR code to visit the shop"), 30, INK), (who, 26, MUTED)])
    return _png(img)


def invite_poster(*, leader_name: str, url: str, code: str = "") -> bytes:
    """PNG invitation to become a leader; ``url`` is the invite link. Joining is free:
    the poster says so, because a fee to join would be 入门费 (《禁止传销条例》 Art. 7)."""
    img, draw = _canvas(_("Become a leader"))
    draw.rounded_rectangle((50, 160, WIDTH - 50, 940), 24, fill=WHITE)
    y = 210
    for text, size, color in [
        (_("%(name)s invites you to open a micro-shop of your own")
         % {"name": leader_name or _("Your friend")}, 40, INK),
        (_("No stock · nothing to load up · the brand ships"), 32, ACCENT),
        (_("Free to join: no purchase, no fee."), 30, INK),
        (_("Commission only on sales through your own links."), 28, INK),
    ]:
        for line in _wrap(draw, text, size, WIDTH - 180, 2):
            _text(draw, (90, y), line, size, color)
            y += size + 18
        y += 18
    if code:
        _text(draw, (90, 860), _("Invite code: %(code)s") % {"code": code}, 30, INK)
    _draw_qr(img, url)
    _footer(draw, [(_("Long-press the QR code to apply"), 30, INK)])
    return _png(img)


def poster_path(shop: Any, listing: Any = None) -> str:
    """Relative share link for a poster: a signed token with channel ``poster`` so
    scans of posters are told apart from clicked links in the funnel."""
    from shequn.shops.services import share_url

    return share_url(shop, listing, channel="poster")
