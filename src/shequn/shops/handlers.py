"""Shops' reactions to other domains' events (registered in apps.py)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from shequn.brands import chain
from shequn.brands.events import CHAIN_LOST, ChainLost
from shequn.core import audit, notices, outbox
from shequn.core.models import OutboxEvent
from shequn.shops.models import Listing


@outbox.handler(CHAIN_LOST)
def unlist_products_without_chain(event: OutboxEvent) -> None:
    """Products that lost their authorization chain leave the leaders' shops
    (the listing is deactivated; the leader may pick the product again once the
    chain is back) and their leaders are told. A product covered again by the
    time this runs stays listed. Idempotent: only active listings move."""
    lost = ChainLost.of(event)
    ids = [int(i) for i in lost.product_ids]
    still_covered = chain.covered_products(ids)
    ids = [i for i in ids if i not in still_covered]
    if not ids:
        return
    listings = list(Listing.objects.select_for_update()
                    .filter(product_id__in=ids, active=True)
                    .select_related("shop", "product").order_by("pk"))
    if not listings:
        return
    Listing.objects.filter(pk__in=[x.pk for x in listings]).update(active=False)
    per_owner: dict[int, list[Listing]] = {}
    for listing in listings:
        per_owner.setdefault(listing.shop.owner_id, []).append(listing)
        audit.record(None, "shop.listing_paused", listing, product=listing.product_id,
                     reason="chain_lost")
    for owner_id, items in per_owner.items():
        for listing in items:
            notices.notify([owner_id], "listing_paused",
                           gettext_noop("{product} was taken off your shop: sales are paused "
                                        "because its brand authorization is no longer valid."),
                           "/leader/products/", product=listing.product.name)
