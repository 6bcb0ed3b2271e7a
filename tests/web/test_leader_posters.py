"""Share posters: PNG of the expected size, Chinese font, and a QR code that holds
the signed share link with channel "poster" (checked module by module against segno,
since no QR decoder is installed); served only to the owning leader, with caching."""

from __future__ import annotations

import io

import pytest
import segno
from django.core import signing
from django.test import Client
from django.urls import reverse
from PIL import Image

from shequn.core import clock
from shequn.distribution import posters
from shequn.shops.models import ShareVisit
from shequn.shops.tokens import read_share_token
from tests.builders import Net

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_poster_cache():
    # Posters are cached by listing and shop; ids repeat across tests on SQLite.
    from django.core.cache import cache
    cache.clear()


def read_qr(png: bytes, url: str) -> list[str]:
    """Sample the poster at the centre of every QR module (geometry from posters):
    one string of 0 and 1 per row (a failing comparison prints a short diff;
    pytest's diff of nested lists of booleans ran for many minutes)."""
    img = Image.open(io.BytesIO(png)).convert("L")
    geo = posters.qr_geometry(url)
    half = geo.module // 2
    return ["".join("1" if img.getpixel((geo.left + c * geo.module + half,  # type: ignore[operator]
                                         geo.top + r * geo.module + half)) < 128 else "0"
                    for c in range(geo.size)) for r in range(geo.size)]


def expected_matrix(url: str) -> list[str]:
    qr = segno.make(url, error="m")
    return ["".join("1" if v else "0" for v in row)
            for row in qr.matrix_iter(border=posters.QR_BORDER)]


def test_font_is_the_debian_cjk_font():
    path = posters.font_file()
    assert path is not None and "wqy" in path.lower(), path
    assert posters.has_cjk_font()


def test_product_poster_png_and_its_qr_matrix(db):
    net = Net()
    url = "http://testserver/t/" + "x" * 120 + "/"
    png = posters.product_poster(product=net.sku.product, shop_name="小林的海淘铺", url=url)
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.size == (posters.WIDTH, posters.HEIGHT) == (750, 1334)
    assert read_qr(png, url) == expected_matrix(url)
    # A different link gives a different code (the test is not trivially true).
    assert read_qr(png, url) != expected_matrix(url.replace("x", "y"))


def test_shop_and_invite_posters():
    url = "http://testserver/join/abc/"
    for png in (posters.shop_poster(shop_name="小店", intro="简介", url=url, leader_name="小林"),
                posters.invite_poster(leader_name="小林", url=url, code="ABCD2345")):
        img = Image.open(io.BytesIO(png))
        assert img.size == (750, 1334)
        assert read_qr(png, url) == expected_matrix(url)


def test_chinese_text_is_drawn_not_tofu():
    """With the CJK font, a Chinese name draws glyphs that differ from each other; a
    font without them draws identical boxes (tofu) for every character."""
    from PIL import ImageDraw

    font = posters._font(40)
    pictures = []
    for ch in "海淘铺":
        img = Image.new("L", (48, 48), 0)
        ImageDraw.Draw(img).text((2, 2), ch, font=font, fill=255)
        pictures.append(img.tobytes())
    assert len(set(pictures)) == 3 and all(any(p) for p in pictures)


def test_served_poster_holds_a_signed_poster_link_of_this_shop(db, monkeypatch):
    net = Net()
    leader = net.leader()
    listing = net.listing(leader)
    # Hold the clock still so the token the view signs can be signed again here:
    # Shequn's clock (the token's iat) and the signature's own timestamp
    # (django.core.signing.dumps signs with the time in seconds; a second
    # ticking over between here and the view made this test fail now and then).
    fixed = clock.now()
    monkeypatch.setattr(clock, "now", lambda: fixed)
    monkeypatch.setattr(signing.TimestampSigner, "timestamp",
                        lambda self: signing.b62_encode(int(fixed.timestamp())))
    expected = "http://testserver" + posters.poster_path(leader.shop, listing)
    c = Client()
    c.force_login(leader.user)
    resp = c.get(reverse("leader:poster_product", args=[listing.pk]))
    assert resp.status_code == 200 and resp["Content-Type"] == "image/png"
    assert "private" in resp["Cache-Control"] and "max-age" in resp["Cache-Control"]
    assert resp["ETag"]
    png = resp.content
    assert Image.open(io.BytesIO(png)).size == (750, 1334)
    assert read_qr(png, expected) == expected_matrix(expected)
    again = c.get(reverse("leader:poster_product", args=[listing.pk]))
    same = again.content == png  # (not compared in the assert: pytest would diff the bytes)
    assert same, "the poster was drawn again: cached, it is drawn once per hour"
    assert c.get(reverse("leader:poster_product", args=[listing.pk]),
                 HTTP_IF_NONE_MATCH=resp["ETag"]).status_code == 304


def test_poster_link_carries_channel_poster_and_attributes(db):
    net = Net()
    leader = net.leader()
    listing = net.listing(leader)
    path = posters.poster_path(leader.shop, listing)
    payload = read_share_token(path.split("/")[2])
    assert (payload.channel, payload.listing_id, payload.leader_id) == (
        "poster", listing.pk, leader.user_id)
    url = "http://testserver" + path
    png = posters.product_poster(product=listing.product, shop_name=leader.shop.name, url=url)
    assert read_qr(png, url) == expected_matrix(url)
    assert Client().get(path).status_code == 302
    assert ShareVisit.objects.get(valid=True).channel == "poster"


def test_another_leaders_listing_poster_is_not_found(db):
    net = Net()
    a, b = net.leader(), net.leader()
    listing = net.listing(a)
    c = Client()
    c.force_login(b.user)
    assert c.get(reverse("leader:poster_product", args=[listing.pk])).status_code == 404
    assert c.get(reverse("leader:poster_shop")).status_code == 200


def test_invite_poster_for_an_approved_leader(db):
    net = Net()
    leader = net.leader()
    c = Client()
    c.force_login(leader.user)
    resp = c.get(reverse("leader:poster_invite"))
    assert resp.status_code == 200
    assert Image.open(io.BytesIO(resp.content)).size == (750, 1334)


def test_raster_and_svg_product_pictures_are_drawn(settings, tmp_path):
    from types import SimpleNamespace

    (tmp_path / "img").mkdir()
    Image.new("RGB", (400, 300), (0, 90, 200)).save(tmp_path / "img" / "blue.png")
    settings.STATICFILES_DIRS = [str(tmp_path)]
    url = "http://testserver/t/abc/"
    product = SimpleNamespace(name="蓝色测试品", image="/static/img/blue.png",
                              brand=SimpleNamespace(name="Brand"))
    png = posters.product_poster(product=product, shop_name="店", url=url, prices=[])
    centre = Image.open(io.BytesIO(png)).convert("RGB").getpixel((375, 465))
    assert centre == (0, 90, 200)
    # The shipped illustrations are SVG: drawn by resvg, not replaced by a big initial.
    product.image = "/static/img/products/serum.svg"
    png = posters.product_poster(product=product, shop_name="店", url=url, prices=[])
    poster = Image.open(io.BytesIO(png)).convert("RGB")
    # serum.svg's background (#fbf0f3) at (64, 19) of its 400-unit box -> poster (161, 180).
    r, g, b = poster.getpixel((161, 180))  # type: ignore[misc]
    assert abs(r - 251) <= 2 and abs(g - 240) <= 2 and abs(b - 243) <= 2
    # ... and the dark dropper cap of the bottle stands where the SVG puts it (200, 76).
    assert sum(poster.getpixel((375, 150 + int(76 * 630 / 400)))) < 300  # type: ignore[arg-type]


def _jpeg(color) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (300, 300), color).save(buf, "JPEG")
    return buf.getvalue()


def test_leader_avatar_leads_the_poster_header():
    from types import SimpleNamespace

    product = SimpleNamespace(name="测试品", image="", brand=None)
    url = "http://testserver/t/abc/"
    left, top, side = posters.AVATAR_BOX
    centre = (left + side // 2, top + side // 2)
    png = posters.product_poster(product=product, shop_name="店", url=url, prices=[],
                                 leader_name="小林", avatar=_jpeg((20, 160, 60)))
    r, g, b = Image.open(io.BytesIO(png)).convert("RGB").getpixel(centre)  # type: ignore[misc]
    assert abs(r - 20) < 12 and abs(g - 160) < 12 and abs(b - 60) < 12
    # Without an avatar: the leader's initial on white, not the photo's colour.
    png = posters.product_poster(product=product, shop_name="店", url=url, prices=[],
                                 leader_name="小林")
    corner = Image.open(io.BytesIO(png)).convert("RGB").getpixel((left + 12, top + side // 2))
    assert corner == (255, 255, 255)
    shop = posters.shop_poster(shop_name="小店", intro="", url=url, avatar=_jpeg((20, 160, 60)))
    r, g, b = Image.open(io.BytesIO(shop)).convert("RGB").getpixel((375, 370))  # type: ignore[misc]
    assert abs(g - 160) < 12 and r < 40


@pytest.mark.parametrize("change", [{"active": False}, {"review_state": "pending"}])
def test_no_poster_for_a_product_the_shop_no_longer_sells(db, change):
    # The poster was drawn for a product taken off sale or back under review:
    # its QR code opened a page that is not there.
    from shequn.catalog.models import Product

    net = Net()
    leader = net.leader()
    listing = net.listing(leader)
    c = Client()
    c.force_login(leader.user)
    url = reverse("leader:poster_product", args=[listing.pk])
    assert c.get(url).status_code == 200
    Product.objects.filter(pk=listing.product_id).update(**change)
    assert c.get(url).status_code == 404
