"""Placement's reads and two plain writes as hand-written SQL (see shequn.core.rawrows).

Each function is one query and returns model instances, like the ORM queries
they replace; tests run them on PostgreSQL and SQLite through placement.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection

from shequn.brands import chain
from shequn.catalog.models import SKU, PositiveListLine, Product
from shequn.checkout.errors import CheckoutError
from shequn.checkout.models import Address, BuyerIdentity, Cart, CartLine
from shequn.core import clock
from shequn.core.money import q2
from shequn.core.rawrows import build, columns, width
from shequn.quota.models import QuotaAccount


def _cart_lines_sql() -> tuple[str, list[Any]]:
    covered, params = chain.covered_sql("s.id", "p.seller_id")
    return (f"SELECT {columns(CartLine, 'cl')}, {columns(SKU, 's')}, {columns(Product, 'p')},"
            f" pl.id, pl.bonded_only, pl.per_order_qty_cap, {covered}"
            f" FROM {CartLine._meta.db_table} cl"
            f" JOIN {SKU._meta.db_table} s ON s.id = cl.sku_id"
            f" JOIN {Product._meta.db_table} p ON p.id = s.product_id"
            f" LEFT JOIN {PositiveListLine._meta.db_table} pl"
            " ON pl.tariff_line = substr(s.hs_code, 1, 8)"
            " WHERE cl.cart_id = %s ORDER BY cl.sku_id, cl.id"), params


def cart_lines(cart_id: Any) -> list[CartLine]:
    """The cart's lines with SKU, product, the SKU's positive-list entry
    (``pl_found``, ``pl_bonded_only``, ``pl_cap``) and whether an authorization
    chain covers it today (``chain_ok``, brands.chain), in one query."""
    a, b = width(CartLine), width(CartLine) + width(SKU)
    c = b + width(Product)
    with connection.cursor() as cur:
        key = CartLine._meta.get_field("cart").get_db_prep_value(cart_id, connection)
        sql, params = _cart_lines_sql()
        cur.execute(sql, [*params, key])
        rows = cur.fetchall()
    lines = []
    for row in rows:
        line = build(CartLine, row, 0)
        sku = build(SKU, row, a)
        sku.product = build(Product, row, b)
        line.sku = sku
        line.pl_found = row[c] is not None  # type: ignore[attr-defined]
        line.pl_bonded_only = bool(row[c + 1])  # type: ignore[attr-defined]
        line.pl_cap = row[c + 2]  # type: ignore[attr-defined]
        line.chain_ok = bool(row[c + 3])  # type: ignore[attr-defined]
        lines.append(line)
    return lines


def _buyer_sql() -> str:
    return (f"SELECT {columns(BuyerIdentity, 'bi')}, {columns(Address, 'ad')},"
            " (SELECT qa.used + qa.reserved"
            f" FROM {QuotaAccount._meta.db_table} qa"
            " WHERE qa.id_hash = bi.id_hash AND qa.year = %s)"
            f" FROM {BuyerIdentity._meta.db_table} bi"
            f" LEFT JOIN {Address._meta.db_table} ad ON ad.id = %s AND ad.user_id = %s"
            " WHERE bi.id = %s AND bi.user_id = %s")


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0  # matches no row: refused below like an unknown id


def buyer(user_id: int, identity_id: Any, address_id: Any, year: int
          ) -> tuple[BuyerIdentity, Address, Decimal]:
    """The buyer's identity, address and what the identity's quota account holds
    for ``year`` (used + reserved), in one query. Unknown or someone else's
    identity or address is refused like the ORM lookups were."""
    ident_pk, addr_pk = _pk(identity_id), _pk(address_id)
    with connection.cursor() as cur:
        cur.execute(_buyer_sql(), [year, addr_pk, user_id, ident_pk, user_id])
        row = cur.fetchone()
    if row is None:
        raise CheckoutError.IDENTITY_NOT_FOUND.error()
    n = width(BuyerIdentity)
    if row[n] is None:
        raise CheckoutError.ADDRESS_NOT_FOUND.error()
    held = row[n + width(Address)]
    # SQLite hands back the sum as a float or int; PostgreSQL as Decimal.
    held = q2(Decimal(str(held))) if held is not None else Decimal("0.00")
    return build(BuyerIdentity, row, 0), build(Address, row, n), held


def bump_cart_version(cart_id: Any, user_id: int, expected: int | None) -> bool:
    """Lock the cart row by bumping its version; False when the cart is not the
    user's or its version is not ``expected`` (someone changed it meanwhile)."""
    key = Cart._meta.pk.get_db_prep_value(cart_id, connection)  # type: ignore[union-attr]
    sql = (f"UPDATE {Cart._meta.db_table} SET version = version + 1, updated_at = %s"
           " WHERE id = %s AND user_id = %s")
    params: list[Any] = [Cart._meta.get_field("updated_at").get_db_prep_value(
        clock.now(), connection), key, user_id]
    if expected is not None:
        sql += " AND version = %s"
        params.append(expected)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount == 1


def bump_version(cart_id: Any) -> int | None:
    """Bump the cart's version (a change to its lines, in the caller's
    transaction; the UPDATE also locks the cart row until it ends) and return
    the new one, or None when the cart is gone. Leaves ``updated_at`` alone,
    like the ORM ``update()`` it replaces."""
    key = Cart._meta.pk.get_db_prep_value(cart_id, connection)  # type: ignore[union-attr]
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {Cart._meta.db_table} SET version = version + 1"
                    " WHERE id = %s RETURNING version", [key])
        row = cur.fetchone()
    return None if row is None else int(row[0])


def empty_cart(cart_id: Any) -> None:
    key = CartLine._meta.get_field("cart").get_db_prep_value(cart_id, connection)
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {CartLine._meta.db_table} WHERE cart_id = %s", [key])
