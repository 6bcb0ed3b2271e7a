"""Return requests carry a preset reason and up to six photos, re-encoded and private."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group
from PIL import Image

from shequn.core.errors import DomainError
from shequn.orders import returns
from shequn.orders.models import AfterSale, AfterSalePhoto
from tests.orders.test_returns import _delivered

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def operator(django_user_model):
    user = django_user_model.objects.create(username="op")
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    return user


def _photo(color=(200, 30, 30), size=(1200, 900)) -> bytes:
    buf = io.BytesIO()
    img = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def test_preset_reason_and_photos_stored_reencoded(operator, media):
    buyer, order = _delivered(operator, qty=2)
    line = order.lines.get()
    after_sale = returns.request_return(buyer.user, order.pk, [(line.pk, 1)], "",
                                        reason_code="damaged",
                                        photos=[_photo(), _photo((0, 90, 0))])
    assert after_sale.reason_code == AfterSale.Reason.DAMAGED
    photos = list(after_sale.photos.all())
    assert len(photos) == 2
    for p in photos:
        stored = Image.open(p.image.open("rb"))
        assert stored.format == "JPEG" and not stored.getexif()
        assert (p.width, p.height) == (1200, 900)
        assert max(Image.open(p.thumb.open("rb")).size) == 320
        assert str(after_sale.pk) in p.image.name and "photo" in p.image.name


@pytest.mark.parametrize("kwargs,code", [
    ({"reason_code": "other"}, "bad_return_reason"),          # other needs a description
    ({"reason_code": "because"}, "bad_return_reason"),
    ({"reason_code": "quality", "photos": [b"<svg onload=alert(1)>"]}, "bad_return_photo"),
    ({"reason_code": "quality", "photos": [b"\x89PNG\r\n"] * 7}, "too_many_return_photos"),
])
def test_bad_reason_or_photos_change_nothing(operator, media, kwargs, code):
    buyer, order = _delivered(operator)
    line = order.lines.get()
    with pytest.raises(DomainError) as ei:
        returns.request_return(buyer.user, order.pk, [(line.pk, 1)], "", **kwargs)
    assert ei.value.code == code and ei.value.status == 422
    assert not AfterSale.objects.exists() and not AfterSalePhoto.objects.exists()
    assert not any(media.rglob("*.jpg"))


def test_photo_over_the_size_limit_refused(operator, media, monkeypatch):
    buyer, order = _delivered(operator)
    line = order.lines.get()
    monkeypatch.setattr("shequn.core.images.MAX_UPLOAD_BYTES", 1000)
    monkeypatch.setattr(returns.images.reencode, "__kwdefaults__", {"max_bytes": 1000})
    with pytest.raises(DomainError) as ei:
        returns.request_return(buyer.user, order.pk, [(line.pk, 1)], "",
                               reason_code="quality", photos=[_photo()])
    assert ei.value.code == "return_photo_too_large"
