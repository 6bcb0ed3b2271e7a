"""The authorization chain check (品牌授权链).

A SKU may be sold when an unbroken path of ACTIVE grants, at most
``MAX_LINKS`` long, leads from the product's brand owner (``Product.brand``) to
its seller of record (``Product.seller``, the ``ebcCode`` on the customs order),
every grant's scope covers the SKU, its channel is cross-border retail, and the
day of the act (Asia/Shanghai) lies in the intersection of the grants'
validity. A brand that is itself the seller of record needs no grant.

The walk (:func:`paths`) is a pure function over dataclasses. Its results are
materialized as ``ChainCover`` rows, rewritten per brand whenever a grant
changes status (:func:`rebuild_brand`) and per product after catalog changes
(:func:`recompute_for_products`), so every check on the sale path is one
indexed query (:func:`covered_sku_ids`, or a clause folded into a query the
caller makes anyway: :func:`covered_sql`).

Products that lose their last covered SKU are announced with
``brands.events.ChainLost`` (shops unlists them and tells the leaders) and the
brand's staff and the operators get a notice."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext_noop

from shequn.accounts.roles import OPERATOR
from shequn.brands import selectors
from shequn.brands.events import ChainLost
from shequn.brands.models import ChainCover, Grant
from shequn.catalog.models import SKU, Organization, Product
from shequn.catalog.names import shown
from shequn.core import clock, notices

MAX_LINKS = 3
_COLUMN = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?")
SHANGHAI = ZoneInfo("Asia/Shanghai")
CBEC_RETAIL = "cbec_retail"
ACTIVE = "active"
FOREVER = (dt.date(1970, 1, 1), dt.date(9999, 12, 31))


def today() -> dt.date:
    """The date of the act, in China."""
    return clock.now().astimezone(SHANGHAI).date()


# --------------------------------------------------------------------------- the pure walk


@dataclass(frozen=True)
class Link:
    """One grant, as the walk needs it."""

    id: int
    grantor: int
    grantee: int
    valid_from: dt.date
    valid_to: dt.date
    status: str = ACTIVE
    channel: str = CBEC_RETAIL
    scope: str = "all"
    categories: frozenset[int] = field(default_factory=frozenset)
    skus: frozenset[int] = field(default_factory=frozenset)

    def covers(self, item: Item) -> bool:
        if self.status != ACTIVE or self.channel != CBEC_RETAIL:
            return False
        if self.scope == "all":
            return True
        if self.scope == "categories":
            return item.category is not None and item.category in self.categories
        if self.scope == "skus":
            return item.sku in self.skus
        return False


@dataclass(frozen=True)
class Item:
    """A SKU to sell: its category, its brand owner and its seller of record."""

    sku: int
    owner: int
    seller: int
    category: int | None = None


@dataclass(frozen=True)
class Path:
    """A chain of grants from owner to seller and the dates it is valid on."""

    grant_ids: tuple[int, ...]
    valid_from: dt.date
    valid_to: dt.date

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_to


def paths(item: Item, links: Iterable[Link], max_links: int = MAX_LINKS) -> list[Path]:
    """Every simple path of usable grants from ``item.owner`` to ``item.seller``
    with at most ``max_links`` grants and a non-empty common validity; shortest
    first, then the one valid longest. No organization is visited twice (a
    cycle of grants leads nowhere new)."""
    if item.owner == item.seller:
        return [Path((), *FOREVER)]
    out: dict[int, list[Link]] = defaultdict(list)
    for link in links:
        if link.covers(item) and link.valid_from <= link.valid_to:
            out[link.grantor].append(link)
    found: list[Path] = []

    def walk(node: int, seen: frozenset[int], ids: tuple[int, ...], lo: dt.date,
             hi: dt.date) -> None:
        for link in out.get(node, ()):
            if link.grantee in seen:
                continue
            start, end = max(lo, link.valid_from), min(hi, link.valid_to)
            if start > end:
                continue
            chain = (*ids, link.id)
            if link.grantee == item.seller:
                found.append(Path(chain, start, end))
            elif len(chain) < max_links:
                walk(link.grantee, seen | {link.grantee}, chain, start, end)

    walk(item.owner, frozenset({item.owner}), (), *FOREVER)
    found.sort(key=lambda p: (len(p.grant_ids), -(p.valid_to - p.valid_from).days,
                              p.grant_ids))
    return found


def best_path(item: Item, links: Iterable[Link], on: dt.date) -> Path | None:
    """The path to show for ``item`` on ``on``: the shortest valid that day."""
    return next((p for p in paths(item, links) if p.valid_on(on)), None)


# --------------------------------------------------------------------------- loading


def _links(brand_ids: Iterable[int]) -> dict[int, list[Link]]:
    """The active grants of these brands as links, per brand (three queries)."""
    grants = list(Grant.objects.filter(brand_id__in=set(brand_ids), status=Grant.Status.ACTIVE)
                  .prefetch_related("categories", "skus"))
    per: dict[int, list[Link]] = defaultdict(list)
    for g in grants:
        per[g.brand_id].append(Link(
            id=g.pk, grantor=g.grantor_id, grantee=g.grantee_id, valid_from=g.valid_from,
            valid_to=g.valid_to, status=g.status, channel=g.channel, scope=g.scope,
            categories=frozenset(c.pk for c in g.categories.all()),
            skus=frozenset(s.pk for s in g.skus.all())))
    return per


def _items(skus: Iterable[SKU]) -> list[Item]:
    return [Item(sku=s.pk, owner=s.product.brand_id, seller=s.product.seller_id,
                 category=s.product.category_id) for s in skus]


# --------------------------------------------------------------------------- materializing


def covered_products(product_ids: Iterable[int], on: dt.date | None = None) -> set[int]:
    """The products among ``product_ids`` with at least one active SKU covered
    on ``on`` (today in China by default)."""
    ids = {int(i) for i in product_ids}
    if not ids:
        return set()
    day = on or today()
    return set(ChainCover.objects.filter(
        sku__product_id__in=ids, sku__active=True, valid_from__lte=day, valid_to__gte=day,
        seller_id=F("sku__product__seller_id"))
        .values_list("sku__product_id", flat=True).distinct())


def _rewrite(sku_qs: Any, reason: str) -> list[int]:
    """Rewrite the covers of the SKUs in ``sku_qs``; returns the products that
    had a covered active SKU today and have none now (after announcing them)."""
    skus = list(sku_qs.select_related("product").order_by("pk"))
    if not skus:
        return []
    on = today()
    product_ids = {s.product_id for s in skus}
    before = covered_products(product_ids, on)
    links = _links({s.product.brand_id for s in skus})
    rows = []
    for item in _items(skus):
        for p in paths(item, links.get(item.owner, ())):
            rows.append(ChainCover(sku_id=item.sku, seller_id=item.seller,
                                   valid_from=p.valid_from, valid_to=p.valid_to,
                                   grant_ids=list(p.grant_ids)))
    ChainCover.objects.filter(sku_id__in=[s.pk for s in skus]).delete()
    ChainCover.objects.bulk_create(rows, batch_size=500)
    lost = sorted(before - covered_products(product_ids, on))
    if lost:
        _announce(lost, reason)
    return lost


@transaction.atomic
def rebuild_brand(brand_id: int, reason: str = "") -> list[int]:
    """Rewrite the covers of every SKU of ``brand_id``'s products (a grant of
    the brand changed status or scope). Returns the products that lost their chain."""
    return _rewrite(SKU.objects.filter(product__brand_id=brand_id), reason)


@transaction.atomic
def recompute_for_products(product_ids: Iterable[int], reason: str = "") -> list[int]:
    """Rewrite the covers of these products' SKUs after a catalog change (a new
    SKU, another category, brand or seller). Returns the products that lost
    their chain."""
    return _rewrite(SKU.objects.filter(product_id__in=list(product_ids)), reason)


def _operators() -> list[Any]:
    return list(get_user_model().objects.filter(groups__name=OPERATOR, is_active=True))


def _announce(product_ids: list[int], reason: str) -> None:
    """Publish ChainLost (shops unlists and tells the leaders) and tell the
    brand owners' and sellers' staff and the operators, per brand."""
    products = list(Product.objects.filter(pk__in=product_ids)
                    .select_related("brand", "seller").order_by("pk"))
    per_brand: dict[int, list[Product]] = defaultdict(list)
    for p in products:
        per_brand[p.brand_id].append(p)
    operators = _operators()
    for brand_id, items in per_brand.items():
        brand = items[0].brand
        ChainLost(brand_id, product_ids=[p.pk for p in items], reason=reason[:200]).emit()
        names = "、".join(p.name for p in items[:5]) + ("…" if len(items) > 5 else "")
        msg = gettext_noop("Sales paused for {count} product(s) of {brand}: no valid "
                           "authorization chain to the seller ({products}).")
        staff: list[Any] = list(selectors.staff_of(brand))
        for seller in {p.seller for p in items} - {brand}:
            staff.extend(selectors.staff_of(seller))
        notices.notify(staff, "chain_lost", msg, "/brand/grants/", count=len(items),
                       brand=brand.name, products=names)
        notices.notify(operators, "chain_lost", msg, "/ops/grants/", count=len(items),
                       brand=brand.name, products=names)


# --------------------------------------------------------------------------- reads


def covered_sku_ids(sku_ids: Iterable[int], on: dt.date | None = None) -> set[int]:
    """The SKUs among ``sku_ids`` covered by a chain to their current seller on
    ``on`` (today in China by default): one indexed query."""
    ids = {int(i) for i in sku_ids}
    if not ids:
        return set()
    day = on or today()
    return set(ChainCover.objects.filter(
        sku_id__in=ids, valid_from__lte=day, valid_to__gte=day,
        seller_id=F("sku__product__seller_id")).values_list("sku_id", flat=True).distinct())


def is_covered(sku_id: int, on: dt.date | None = None) -> bool:
    return int(sku_id) in covered_sku_ids([sku_id], on)


def covered_sql(sku_col: str, seller_col: str) -> tuple[str, list[Any]]:
    """An SQL boolean expression (and its parameters) that is true when the SKU
    in ``sku_col`` has a cover to the seller in ``seller_col`` today, to fold
    into a query the caller makes anyway (placement reads its cart lines once)."""
    if not all(_COLUMN.fullmatch(c) for c in (sku_col, seller_col)):
        raise ValueError("covered_sql takes column names only")
    day = connection.ops.adapt_datefield_value(today())
    # Table and column names are code constants (checked above); values are parameters.
    sql = (f"EXISTS (SELECT 1 FROM {ChainCover._meta.db_table} cc"  # noqa: S608
           f" WHERE cc.sku_id = {sku_col} AND cc.seller_id = {seller_col}"
           " AND cc.valid_from <= %s AND cc.valid_to >= %s)")
    return sql, [day, day]


def require_covered(sku_ids: Sequence[int], on: dt.date | None = None) -> None:
    """Refuse (``no_authorization``) unless every SKU is covered."""
    from shequn.brands.errors import BrandError

    missing = sorted(set(sku_ids) - covered_sku_ids(sku_ids, on))
    if missing:
        codes = list(SKU.objects.filter(pk__in=missing).values_list("code", flat=True))
        raise BrandError.NO_AUTHORIZATION.error(sku=",".join(codes))


@dataclass
class ChainNode:
    name: str
    kind: str  # brand | importer | seller | platform
    org_id: int | None = None
    name_en: str = ""

    @property
    def display_name(self) -> str:
        """The organization's name in the page's language (catalog.names)."""
        return shown(self.name, self.name_en)


@dataclass
class ChainView:
    """The chain a buyer sees: nodes from the brand owner to the platform, the
    grants' common validity."""

    nodes: list[ChainNode]
    valid_from: dt.date | None
    valid_to: dt.date | None
    grant_ids: tuple[int, ...] = ()


def chain_for_product(product: Product, sku: SKU | None = None,
                      on: dt.date | None = None) -> ChainView | None:
    """The chain that covers ``sku`` (or the product's first covered active SKU)
    today, for display; None when the product is not covered (sales paused)."""
    day = on or today()
    skus = [sku] if sku is not None else list(product.skus.filter(active=True).order_by("pk"))
    covered = covered_sku_ids([s.pk for s in skus], day)
    pick = next((s for s in skus if s.pk in covered), None)
    if pick is None:
        return None
    cover = (ChainCover.objects.filter(sku=pick, valid_from__lte=day, valid_to__gte=day,
                                       seller_id=product.seller_id)
             .order_by("valid_to").last())
    if cover is None:
        return None
    ids = [int(i) for i in cover.grant_ids]
    grants = {g.pk: g for g in Grant.objects.filter(pk__in=ids).select_related("grantee")}
    brand = product.brand
    nodes = [ChainNode(brand.name, "brand", brand.pk, brand.name_en)]
    for gid in ids:
        grantee = grants[gid].grantee if gid in grants else None
        if grantee is None:
            continue
        kind = "seller" if grantee.pk == product.seller_id else "importer"
        nodes.append(ChainNode(grantee.name, kind, grantee.pk, grantee.name_en))
    platform = Organization.objects.filter(kind=Organization.Kind.PLATFORM).order_by("pk").first()
    if platform is not None:
        nodes.append(ChainNode(platform.name, "platform", platform.pk, platform.name_en))
    if not ids:
        return ChainView(nodes=nodes, valid_from=None, valid_to=None)
    return ChainView(nodes=nodes, valid_from=cover.valid_from, valid_to=cover.valid_to,
                     grant_ids=tuple(ids))
