"""A person's public face: display name and avatar (the leader's posters and shop)."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from shequn.accounts.errors import AccountError
from shequn.accounts.models import User
from shequn.core import images

AVATAR_SIDE = 256
MAX_AVATAR_BYTES = 5 * 1024 * 1024


def set_avatar(user: Any, raw: bytes) -> User:
    """Replace ``user``'s avatar with the picture in ``raw`` (re-encoded to a square
    JPEG first, outside the transaction; the old file is deleted after commit)."""
    try:
        picture = images.square(raw, AVATAR_SIDE, max_bytes=MAX_AVATAR_BYTES)
    except images.ImageRejected as err:
        too_large = err.reason == "too_large"
        code = AccountError.AVATAR_TOO_LARGE if too_large else AccountError.BAD_AVATAR
        raise code.error() from None
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        old = locked.avatar.name
        locked.avatar.save(f"{locked.pk}-{picture.sha256[:16]}.jpg", ContentFile(picture.data),
                           save=False)
        locked.save(update_fields=["avatar"])
        if old and old != locked.avatar.name:
            storage = locked.avatar.storage
            transaction.on_commit(lambda: storage.delete(old))
    user.avatar = locked.avatar
    return locked


def remove_avatar(user: Any) -> None:
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        old = locked.avatar.name
        locked.avatar = ""
        locked.save(update_fields=["avatar"])
        if old:
            storage = locked.avatar.storage
            transaction.on_commit(lambda: storage.delete(old))
    user.avatar = ""


def avatar_bytes(user: Any) -> bytes | None:
    """The stored avatar JPEG, or None (no avatar, or the file is gone)."""
    name = getattr(getattr(user, "avatar", None), "name", "")
    if not name:
        return None
    try:
        with user.avatar.storage.open(name, "rb") as fh:
            data: bytes = fh.read()
            return data
    except OSError:
        return None
