"""Moving a buyer's carts when two accounts of one person become one (a WeChat
sign-in bound to a phone that already had an account, decision 0009)."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from shequn.checkout.models import Cart, CartLine


def merge_carts(from_user: Any, to_user: Any) -> Cart | None:
    """Give ``from_user``'s carts to ``to_user``. The newest cart of ``from_user``
    (the one being shopped with now, carrying the share link's attribution) is
    kept; lines of ``to_user``'s earlier carts that it lacks are added to it (a
    SKU in both keeps the larger quantity, never the sum). Runs inside the
    caller's transaction (accounts.wechat_signin.bind_phone)."""
    mine = list(Cart.objects.select_for_update().filter(user=from_user).order_by("-updated_at"))
    if not mine:
        return None
    keep = mine[0]
    Cart.objects.filter(pk__in=[c.pk for c in mine]).update(user=to_user)
    older = Cart.objects.filter(user=to_user).exclude(pk=keep.pk)
    have = {line.sku_id: line for line in CartLine.objects.filter(cart=keep)}
    for line in CartLine.objects.filter(cart__in=older).order_by("id"):
        ours = have.get(line.sku_id)
        if ours is None:
            have[line.sku_id] = CartLine.objects.create(
                cart=keep, sku_id=line.sku_id, listing_id=line.listing_id, qty=line.qty,
                unit_price=line.unit_price)
        elif line.qty > ours.qty:
            CartLine.objects.filter(pk=ours.pk).update(qty=line.qty)
            ours.qty = line.qty
    CartLine.objects.filter(cart__in=older).delete()
    Cart.objects.filter(pk=keep.pk).update(version=F("version") + 1)
    keep.refresh_from_db()
    return keep
