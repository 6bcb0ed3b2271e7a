"""What layers above the catalog register to hear about catalog changes in the
same transaction (like orders.services.add_ship_check). The brands app
recomputes the authorization-chain covers of the changed products' SKUs: a new
SKU, another brand, seller or category, or an approval must never leave the
covers stale, and the catalog may not import brands (ARCHITECTURE §3)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

ProductsChanged = Callable[[list[int]], object]
_listeners: list[ProductsChanged] = []


def on_products_changed(listener: ProductsChanged) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def products_changed(product_ids: Iterable[int]) -> None:
    ids = sorted({int(pk) for pk in product_ids})
    if not ids:
        return
    for listener in _listeners:
        listener(ids)
