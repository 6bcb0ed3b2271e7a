"""A leader uploads an avatar: re-encoded square JPEG, served to them, drawn on posters."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from shequn.accounts import profile
from shequn.core.errors import DomainError
from tests.builders import Net

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.cache import cache
    cache.clear()
    return tmp_path


def _png(color=(20, 160, 60), size=(800, 500)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def test_upload_serve_and_poster(media, django_capture_on_commit_callbacks):
    net = Net()
    leader = net.leader()
    listing = net.listing(leader)
    c = Client()
    c.force_login(leader.user)
    resp = c.post(reverse("leader:avatar_upload"),
                  {"avatar": SimpleUploadedFile("me.png", _png(), "image/png")})
    assert resp.status_code == 302
    got = c.get(reverse("leader:avatar"))
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    img = Image.open(io.BytesIO(got.content))
    assert img.format == "JPEG" and img.size == (profile.AVATAR_SIDE, profile.AVATAR_SIDE)
    poster = c.get(reverse("leader:poster_product", args=[listing.pk]))
    from shequn.distribution.posters import AVATAR_BOX
    left, top, side = AVATAR_BOX
    r, g, b = Image.open(io.BytesIO(poster.content)).convert("RGB").getpixel(
        (left + side // 2, top + side // 2))
    assert abs(g - 160) < 12 and r < 40
    # Replacing it deletes the old file once committed; removing it leaves none.
    first = leader.user.__class__.objects.get(pk=leader.user.pk).avatar.name
    with django_capture_on_commit_callbacks(execute=True):
        c.post(reverse("leader:avatar_upload"),
               {"avatar": SimpleUploadedFile("me2.png", _png((200, 0, 0)), "image/png")})
    assert not (media / first).exists()
    with django_capture_on_commit_callbacks(execute=True):
        c.post(reverse("leader:avatar_remove"))
    assert c.get(reverse("leader:avatar")).status_code == 404
    assert not any(media.rglob("*.jpg"))


def test_not_a_picture_is_refused_and_nothing_stored(media):
    leader = Net().leader()
    with pytest.raises(DomainError) as ei:
        profile.set_avatar(leader.user, b"<html>hi</html>")
    assert ei.value.code == "bad_avatar"
    c = Client()
    c.force_login(leader.user)
    c.post(reverse("leader:avatar_upload"),
           {"avatar": SimpleUploadedFile("x.png", b"GIF89a-not-really", "image/png")})
    leader.user.refresh_from_db()
    assert not leader.user.avatar and not any(media.rglob("*"))


def test_buyers_and_anonymous_cannot_upload(media, django_user_model):
    buyer = django_user_model.objects.create(username="b1")
    c = Client()
    for client in (Client(), c):
        if client is c:
            c.force_login(buyer)
        resp = client.post(reverse("leader:avatar_upload"),
                           {"avatar": SimpleUploadedFile("me.png", _png(), "image/png")})
        assert resp.status_code in (302, 403)
    assert not any(media.rglob("*"))
