"""Products and SKUs as brands edit them (brand console, XLSX import, partner API).

Every field a brand enters goes through ``clean_product`` / ``clean_sku`` (the
validators in validators.py plus the positive list); all field errors are raised
together as one ``FieldErrors`` so a form can show each in place. Review:

* a product a brand creates starts as a draft; ``submit`` makes it pending; an
  operator approves (then it may be sold) or rejects it (the brand edits and
  submits again). While not approved, edits apply directly.
* on an approved product, changes to tax-relevant fields (``TAX_FIELDS``) do not
  apply: they become a ChangeRequest an operator approves (applied) or rejects
  (kept as it was). Other fields (name, description, pictures, price) apply at once.
  A SKU added to an approved product waits inactive behind a change request.

Each public function is one transaction and checks that the product belongs to the
acting organization (as brand or as seller of record); another's is "unknown".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q, QuerySet

from shequn.catalog import hooks
from shequn.catalog import validators as v
from shequn.catalog.errors import CatalogError
from shequn.catalog.models import (
    SKU,
    Category,
    ChangeRequest,
    Organization,
    PositiveListLine,
    Product,
    ProductImage,
)
from shequn.catalog.services import _clean_price, can_set_price
from shequn.core import audit, clock, images
from shequn.core.errors import DomainError
from shequn.core.httpinput import whole_number

ReviewState = Product.ReviewState

PRODUCT_FIELDS = ("name", "name_en", "description", "description_en", "origin_country",
                  "category")
SKU_FIELDS = ("code", "gtin", "gmodel", "label_en", "hs_code", "unit", "legal_unit1",
              "legal_qty1_per_unit", "legal_unit2", "legal_qty2_per_unit", "net_weight_kg",
              "gross_weight_kg", "net_content", "net_content_unit", "vat_rate",
              "consumption_tax_rate", "consumption_tax_rule", "tariff_rate", "bonded_only",
              "price", "price_includes_tax")
# What customs and the tax engine read: a change waits for an operator.
SKU_TAX_FIELDS = ("hs_code", "unit", "legal_unit1", "legal_qty1_per_unit", "legal_unit2",
                  "legal_qty2_per_unit", "net_content", "net_content_unit", "vat_rate",
                  "consumption_tax_rate", "consumption_tax_rule", "tariff_rate", "bonded_only")
PRODUCT_TAX_FIELDS = ("origin_country",)
TAX_FIELDS = SKU_TAX_FIELDS + PRODUCT_TAX_FIELDS
MAX_IMAGES = 12
_SKU_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
_TRUE = {"1", "true", "yes", "y", "on", "是", "t"}
_FALSE = {"0", "false", "no", "n", "off", "否", "f", ""}

LineLookup = Callable[[str], PositiveListLine | None]


class FieldErrors(DomainError):
    """Several fields refused at once: ``fields`` maps a field name to its error."""

    def __init__(self, fields: Mapping[str, DomainError]) -> None:
        err = CatalogError.INVALID_FIELDS
        super().__init__(err.value, err.en, err.status,
                         fields=",".join(f"{name}:{e.code}" for name, e in fields.items()))
        self.fields = dict(fields)

    def as_dict(self) -> dict[str, Any]:
        body = super().as_dict()
        body["fields"] = {name: {"code": e.code, "message": e.message,
                                 "message_en": e.message_en}
                          for name, e in self.fields.items()}
        return body


class _Collector:
    def __init__(self) -> None:
        self.errors: dict[str, DomainError] = {}
        self.clean: dict[str, Any] = {}

    def check(self, field: str, fn: Callable[[], Any]) -> Any:
        try:
            value = fn()
        except FieldErrors as many:
            self.errors.update(many.fields)
            return None
        except DomainError as err:
            self.errors[field] = err
            return None
        self.clean[field] = value
        return value

    def raise_if_any(self) -> None:
        if self.errors:
            raise FieldErrors(self.errors)


def _text(value: object, max_len: int, *, required: bool = False, field: str = "") -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise CatalogError.REQUIRED.error(field=field)
    if "\x00" in text:  # PostgreSQL text cannot hold NUL: refused here, not a 500
        raise CatalogError.INVALID_CHOICE.error(field=field)
    if len(text) > max_len:
        raise CatalogError.TOO_LONG.error(field=field, max=max_len)
    return text


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal) and value in (0, 1):
        return bool(value)
    text = "" if value is None else str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CatalogError.INVALID_CHOICE.error(value=value)


def _category(value: object) -> Category | None:
    if value is None or value == "":
        return None
    if isinstance(value, Category):
        return value
    if "\x00" in str(value):  # no slug holds NUL, and PostgreSQL refuses it in a query
        raise CatalogError.INVALID_CHOICE.error(category="")
    found = Category.objects.filter(slug=str(value).strip()).first()
    pk = whole_number(value)
    if found is None and pk is not None:
        found = Category.objects.filter(pk=pk).first()
    if found is None:
        raise CatalogError.INVALID_CHOICE.error(category=value)
    return found


def clean_product(data: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """The product fields in ``data``, cleaned; FieldErrors lists every refusal.
    ``partial``: only the fields present are checked (an edit)."""
    c = _Collector()

    def has(field: str) -> bool:
        return not partial or field in data

    if has("name"):
        c.check("name", lambda: _text(data.get("name"), 250, required=True, field="name"))
    if has("name_en"):
        c.check("name_en", lambda: _text(data.get("name_en"), 250, field="name_en"))
    if has("description"):
        c.check("description",
                lambda: _text(data.get("description"), 5000, field="description"))
    if has("description_en"):
        c.check("description_en",
                lambda: _text(data.get("description_en"), 5000, field="description_en"))
    if has("origin_country"):
        c.check("origin_country", lambda: v.validate_country(data.get("origin_country")))
    if has("category"):
        c.check("category", lambda: _category(data.get("category")))
    c.raise_if_any()
    if "origin_country" in c.clean:
        c.clean["origin_country_name"] = v.country_codes()[c.clean["origin_country"]]
    return c.clean


def _line_from_db(hs: str) -> PositiveListLine | None:
    return PositiveListLine.objects.filter(tariff_line=hs[:8]).first()


def _gtin_of_another_brand(gtin: str, brand_id: int) -> bool:
    """Whether a SKU of another brand carries this GTIN (in any of its spellings):
    a GTIN names one trade item of one brand owner, and units coded under it are
    the first registrant's on the verify page."""
    return (SKU.objects.filter(gtin__in=v.gtin_spellings(gtin))
            .exclude(product__brand_id=brand_id).exists())


def clean_sku(data: Mapping[str, Any], *, current: SKU | None = None,
              line_lookup: LineLookup = _line_from_db,
              code_taken: Callable[[str], bool] | None = None,
              brand_id: int | None = None,
              gtin_taken: Callable[[str, int], bool] = _gtin_of_another_brand) -> dict[str, Any]:
    """Every SKU field, cleaned and checked together (units, rates and the positive
    list depend on each other). For an edit, ``current`` supplies the fields ``data``
    leaves out. ``brand_id``: the brand whose product the SKU is, whose GTIN must
    not be another brand's. FieldErrors lists every refusal."""
    merged: dict[str, Any] = {}
    if current is not None:
        merged = {f: getattr(current, f) for f in SKU_FIELDS}
    merged.update({k: val for k, val in data.items() if k in SKU_FIELDS})
    defaults = {"unit": "011", "legal_unit1": "011", "legal_qty1_per_unit": "1",
                "net_content_unit": "piece", "vat_rate": "0.13", "consumption_tax_rate": "0",
                "consumption_tax_rule": "none", "tariff_rate": "0", "bonded_only": False,
                "price_includes_tax": False}
    for key, default in defaults.items():
        if merged.get(key) in (None, ""):
            merged[key] = default
    c = _Collector()

    def code() -> str:
        text = _text(merged.get("code"), 20, required=True, field="code")
        if not _SKU_CODE.match(text):
            raise CatalogError.INVALID_CHOICE.error(sku_code=text)
        if current is None or current.code != text:
            taken = (code_taken(text) if code_taken is not None
                     else SKU.objects.filter(code=text).exists())
            if taken:
                raise CatalogError.DUPLICATE_SKU_CODE.error(sku_code=text)
        return text

    c.check("code", code)
    def gtin() -> str:
        text = str(merged.get("gtin") or "").strip()
        if not text:
            return ""
        clean = v.validate_gtin(text)
        unchanged = current is not None and current.gtin == clean
        if brand_id is not None and not unchanged and gtin_taken(clean, brand_id):
            raise CatalogError.GTIN_OF_ANOTHER_BRAND.error(gtin=clean)
        return clean

    c.check("gtin", gtin)
    c.check("gmodel", lambda: _text(merged.get("gmodel"), 510, required=True, field="gmodel"))
    c.check("label_en", lambda: _text(merged.get("label_en"), 100, field="label_en"))
    hs = c.check("hs_code", lambda: v.validate_hs_code(merged.get("hs_code") or ""))
    c.check("unit", lambda: v.validate_unit(merged.get("unit")))
    c.check("legal_unit1", lambda: v.validate_unit(merged.get("legal_unit1")))
    c.check("legal_qty1_per_unit", lambda: v.validate_legal_qty(merged.get("legal_qty1_per_unit")))

    unit2 = str(merged.get("legal_unit2") or "").strip()
    qty2 = merged.get("legal_qty2_per_unit")
    if unit2 or qty2 not in (None, ""):
        if not unit2 or qty2 in (None, ""):
            c.errors["legal_unit2"] = CatalogError.SECOND_UNIT_MISMATCH.error()
        else:
            c.check("legal_unit2", lambda: v.validate_unit(unit2))
            c.check("legal_qty2_per_unit", lambda: v.validate_legal_qty(qty2))
    else:
        c.clean["legal_unit2"], c.clean["legal_qty2_per_unit"] = "", None

    weights = c.check("net_weight_kg", lambda: v.validate_weights(
        merged.get("net_weight_kg"), merged.get("gross_weight_kg")))
    if weights is not None:
        c.clean["net_weight_kg"], c.clean["gross_weight_kg"] = weights
    content = c.check("net_content", lambda: v.validate_net_content(
        merged.get("net_content"), merged.get("net_content_unit")))
    if content is not None:
        c.clean["net_content"], c.clean["net_content_unit"] = content
    c.check("vat_rate", lambda: v.validate_vat_rate(merged.get("vat_rate")))
    ct = c.check("consumption_tax_rate", lambda: v.validate_consumption_tax(
        merged.get("consumption_tax_rate"), merged.get("consumption_tax_rule")))
    if ct is not None:
        c.clean["consumption_tax_rate"], c.clean["consumption_tax_rule"] = ct
    c.check("tariff_rate", lambda: v.validate_rate(merged.get("tariff_rate"), "tariff_rate"))
    bonded = c.check("bonded_only", lambda: parse_bool(merged.get("bonded_only")))
    c.check("price", lambda: _clean_price(merged.get("price")))
    c.check("price_includes_tax", lambda: parse_bool(merged.get("price_includes_tax")))
    if hs is not None:
        line = line_lookup(hs)
        if line is None:
            c.errors["hs_code"] = CatalogError.NOT_ON_POSITIVE_LIST.error(
                hs_code=hs, tariff_line=hs[:8])
        elif bonded is not None:
            c.check("bonded_only", lambda: v.validate_bonded_only(bonded, line.bonded_only))
    c.raise_if_any()
    return c.clean


# --------------------------------------------------------------------------- reads

def products_of(org: Organization) -> QuerySet[Product]:
    """The organization's products: those it owns as brand or sells as seller of record."""
    return (Product.objects.filter(Q(brand=org) | Q(seller=org))
            .select_related("brand", "seller", "category"))


def product_of(org: Organization, product_id: object, *, lock: bool = False) -> Product:
    try:
        pk = int(str(product_id))
    except ValueError:
        raise CatalogError.NOT_YOURS.error(product_id=product_id) from None
    qs = products_of(org).filter(pk=pk)
    if lock:
        qs = qs.select_for_update(of=("self",))
    product = qs.first()
    if product is None:
        raise CatalogError.NOT_YOURS.error(product_id=product_id)
    return product


def sku_of(org: Organization, sku_id: object, *, lock: bool = False) -> SKU:
    try:
        pk = int(str(sku_id))
    except ValueError:
        raise CatalogError.UNKNOWN_SKU.error(sku_id=sku_id) from None
    qs = SKU.objects.filter(Q(product__brand=org) | Q(product__seller=org), pk=pk)
    if lock:
        qs = qs.select_for_update(of=("self",))
    sku = qs.select_related("product").first()
    if sku is None:
        raise CatalogError.UNKNOWN_SKU.error(sku_id=sku_id)
    return sku


def sellers_for(org: Organization) -> QuerySet[Organization]:
    """Who may stand as seller of record on a product ``org`` creates."""
    if org.kind == Organization.Kind.EBC:
        return Organization.objects.filter(pk=org.pk)
    return Organization.objects.filter(kind=Organization.Kind.EBC).order_by("name")


def brands_for(org: Organization) -> QuerySet[Organization]:
    if org.kind == Organization.Kind.BRAND:
        return Organization.objects.filter(pk=org.pk)
    return Organization.objects.filter(kind=Organization.Kind.BRAND).order_by("name")


def _resolve_org(value: object, kind: str, field: str) -> Organization:
    if isinstance(value, Organization):
        found: Organization | None = value
    else:
        text = str(value or "").strip()
        if "\x00" in text:  # no code holds NUL, and PostgreSQL refuses it in a query
            text = ""
        found = Organization.objects.filter(code=text).first() if text else None
        pk = whole_number(text)
        if found is None and pk is not None:
            found = Organization.objects.filter(pk=pk).first()
    if found is None:
        raise CatalogError.UNKNOWN_ORGANIZATION.error(field=field, value=value)
    if found.kind != kind:
        raise CatalogError.INVALID_ORGANIZATION.error(role=field, kind=found.kind)
    return found


def parties(org: Organization, data: Mapping[str, Any]) -> tuple[Organization, Organization]:
    """(brand, seller) of a product ``org`` creates: itself in its own role, the
    other named in ``data`` ("seller" or "brand": an organization, code or id)."""
    if org.kind == Organization.Kind.BRAND:
        seller = data.get("seller")
        if seller in (None, ""):
            raise FieldErrors({"seller": CatalogError.REQUIRED.error(field="seller")})
        try:
            return org, _resolve_org(seller, Organization.Kind.EBC, "seller")
        except DomainError as err:
            raise FieldErrors({"seller": err}) from None
    if org.kind == Organization.Kind.EBC:
        brand = data.get("brand")
        if brand in (None, ""):
            raise FieldErrors({"brand": CatalogError.REQUIRED.error(field="brand")})
        try:
            return _resolve_org(brand, Organization.Kind.BRAND, "brand"), org
        except DomainError as err:
            raise FieldErrors({"brand": err}) from None
    raise CatalogError.INVALID_ORGANIZATION.error(role="brand", kind=org.kind)


# --------------------------------------------------------------------------- writes

@transaction.atomic
def create_product(org: Organization, actor: Any, data: Mapping[str, Any],
                   skus: Iterable[Mapping[str, Any]] = (), *, submit: bool = False) -> Product:
    """A new product of ``org`` (draft, or pending when ``submit``) with its SKUs.
    Every field error of the product and of each SKU is reported at once
    (SKU fields as ``sku<i>.<field>``)."""
    errors: dict[str, DomainError] = {}
    brand = seller = None
    try:
        brand, seller = parties(org, data)
    except FieldErrors as many:
        errors.update(many.fields)
    product_fields: dict[str, Any] = {}
    try:
        product_fields = clean_product(data)
    except FieldErrors as many:
        errors.update(many.fields)
    cleaned_skus: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, spec in enumerate(skus):
        try:
            cleaned = clean_sku(spec, brand_id=brand.pk if brand is not None else None)
            if cleaned["code"] in seen:
                raise FieldErrors({"code": CatalogError.DUPLICATE_SKU_CODE.error(
                    sku_code=cleaned["code"])})
            seen.add(cleaned["code"])
            cleaned_skus.append(cleaned)
        except FieldErrors as many:
            errors.update({f"sku{i}.{k}": e for k, e in many.fields.items()})
    if errors:
        raise FieldErrors(errors)
    assert brand is not None and seller is not None
    product = Product.objects.create(
        brand=brand, seller=seller, review_state=ReviewState.PENDING if submit
        else ReviewState.DRAFT, **product_fields)
    for cleaned in cleaned_skus:
        SKU.objects.create(product=product, **cleaned)
    audit.record(actor, "catalog.product_create", product, org=org.pk,
                 skus=len(cleaned_skus), submit=submit)
    hooks.products_changed([product.pk])
    return product


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(
            value.normalize())
    return str(value)


def _pending_request(product: Product, sku: SKU | None) -> ChangeRequest | None:
    return (ChangeRequest.objects.select_for_update()
            .filter(product=product, sku=sku, state=ChangeRequest.State.PENDING).first())


def _request_change(product: Product, sku: SKU | None, changes: dict[str, list[str]],
                    actor: Any) -> ChangeRequest:
    """Record (or extend) the pending change request of ``sku`` (None: the product)."""
    pending = _pending_request(product, sku)
    if pending is None:
        pending = ChangeRequest.objects.create(product=product, sku=sku, changes=changes,
                                               requested_by=_user(actor))
    else:
        merged = dict(pending.changes)
        for field, (old, new) in changes.items():
            first_old = merged.get(field, [old, new])[0]
            merged[field] = [first_old, new]
        pending.changes = {f: ov for f, ov in merged.items() if ov[0] != ov[1]}
        pending.requested_by = _user(actor)
        pending.save(update_fields=["changes", "requested_by"])
    audit.record(actor, "catalog.change_request", pending, product=product.pk,
                 sku=sku.pk if sku else "", fields=",".join(sorted(changes)))
    return pending


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def update_product(org: Organization, actor: Any, product_id: object,
                   data: Mapping[str, Any]) -> tuple[Product, ChangeRequest | None]:
    """Edit the fields present in ``data``. On an approved product a new origin
    waits as a change request (returned); the rest applies."""
    product = product_of(org, product_id, lock=True)
    cleaned = clean_product({k: val for k, val in data.items() if k in PRODUCT_FIELDS},
                            partial=True)
    request = None
    if product.review_state == ReviewState.APPROVED and "origin_country" in cleaned:
        new = cleaned.pop("origin_country")
        cleaned.pop("origin_country_name", None)
        if new != product.origin_country:
            request = _request_change(product, None,
                                      {"origin_country": [product.origin_country, new]}, actor)
    changed = [f for f, val in cleaned.items() if getattr(product, f) != val]
    for field in changed:
        setattr(product, field, cleaned[field])
    if changed:
        product.save(update_fields=changed)
        audit.record(actor, "catalog.product_update", product, fields=",".join(changed))
        hooks.products_changed([product.pk])
    return product, request


@transaction.atomic
def create_sku(org: Organization, actor: Any, product_id: object,
               data: Mapping[str, Any]) -> tuple[SKU, ChangeRequest | None]:
    """Add a SKU. On an approved product it stays inactive until an operator
    approves its change request (returned)."""
    product = product_of(org, product_id, lock=True)
    cleaned = clean_sku(data, brand_id=product.brand_id)
    approved = product.review_state == ReviewState.APPROVED
    sku = SKU.objects.create(product=product, active=not approved, **cleaned)
    request = None
    if approved:
        changes = {f: ["", _as_text(cleaned[f])] for f in SKU_TAX_FIELDS
                   if _as_text(cleaned[f])}
        changes["active"] = ["false", "true"]
        request = _request_change(product, sku, changes, actor)
    audit.record(actor, "catalog.sku_create", sku, product=product.pk)
    hooks.products_changed([product.pk])
    return sku, request


@transaction.atomic
def update_sku(org: Organization, actor: Any, sku_id: object,
               data: Mapping[str, Any]) -> tuple[SKU, ChangeRequest | None]:
    """Edit a SKU. On an approved product, changed tax fields wait as a change
    request (returned); the price follows ``set_price``'s rule; the rest applies."""
    sku = sku_of(org, sku_id, lock=True)
    product = sku.product
    cleaned = clean_sku({k: val for k, val in data.items() if k in SKU_FIELDS}, current=sku,
                        brand_id=product.brand_id)
    changed = {f: val for f, val in cleaned.items() if getattr(sku, f) != val}
    # The price: set_price's rule (the seller's or the brand's people, never a
    # leader); sku_of has already checked the SKU belongs to ``org``.
    if "price" in changed and getattr(actor, "has_role", None) and actor.has_role("leader") \
            and not can_set_price(sku, actor):
        raise CatalogError.PRICE_FORBIDDEN.error(sku=sku.code)
    request = None
    if product.review_state == ReviewState.APPROVED and sku.active:
        tax = {f: [_as_text(getattr(sku, f)), _as_text(changed.pop(f))]
               for f in SKU_TAX_FIELDS if f in changed}
        if tax:
            request = _request_change(product, sku, tax, actor)
    elif product.review_state == ReviewState.APPROVED:
        # A SKU still waiting for its first approval: its request carries the new values.
        tax = {f: [_as_text(getattr(sku, f)), _as_text(changed[f])]
               for f in SKU_TAX_FIELDS if f in changed}
        if tax:
            request = _request_change(product, sku, tax, actor)
    if changed:
        old_price = sku.price
        for field, val in changed.items():
            setattr(sku, field, val)
        sku.save(update_fields=list(changed))
        audit.record(actor, "catalog.sku_update", sku, fields=",".join(sorted(changed)))
        if "price" in changed:
            audit.record(actor, "catalog.set_price", sku, old=old_price, new=sku.price)
    return sku, request


@transaction.atomic
def submit(org: Organization, actor: Any, product_id: object) -> Product:
    """Send a draft or rejected product to the operators' review queue."""
    product = product_of(org, product_id, lock=True)
    if product.review_state not in (ReviewState.DRAFT, ReviewState.REJECTED):
        raise CatalogError.BAD_REVIEW_STATE.error(state=product.review_state)
    if not product.skus.exists():
        raise FieldErrors({"skus": CatalogError.REQUIRED.error(field="skus")})
    product.review_state = ReviewState.PENDING
    product.save(update_fields=["review_state"])
    audit.record(actor, "catalog.product_submit", product)
    return product


# --------------------------------------------------------------------------- review

def _operator(actor: Any) -> None:
    if actor is None or not getattr(actor, "has_role", lambda _r: False)("operator"):
        raise CatalogError.OPERATOR_ONLY.error()


def _note(note: str) -> str:
    text = (note or "").strip()
    if not text:
        raise CatalogError.NOTE_REQUIRED.error()
    return text[:500]


@transaction.atomic
def decide_product(product_id: int, actor: Any, approve: bool, note: str) -> Product:
    """An operator's decision on a pending product (audited)."""
    _operator(actor)
    text = _note(note)
    product = Product.objects.select_for_update().filter(pk=product_id).first()
    if product is None:
        raise CatalogError.UNKNOWN_PRODUCT.error(product_id=product_id)
    if product.review_state != ReviewState.PENDING:
        raise CatalogError.BAD_REVIEW_STATE.error(state=product.review_state)
    product.review_state = ReviewState.APPROVED if approve else ReviewState.REJECTED
    product.save(update_fields=["review_state"])
    audit.record(actor, "catalog.product_approve" if approve else "catalog.product_reject",
                 product, note=text)
    hooks.products_changed([product.pk])
    return product


def _apply(target: Product | SKU, changes: Mapping[str, list[str]]) -> list[str]:
    decimal_fields = {"legal_qty1_per_unit", "legal_qty2_per_unit", "net_content",
                      "vat_rate", "consumption_tax_rate", "tariff_rate"}
    fields = []
    for field, (_old, new) in changes.items():
        value: Any = new
        if field in ("bonded_only", "active"):
            value = new == "true"
        elif field in decimal_fields:
            value = Decimal(new) if new != "" else None
        setattr(target, field, value)
        fields.append(field)
        if field == "origin_country":
            target.origin_country_name = v.country_codes().get(new, "")  # type: ignore[union-attr]
            fields.append("origin_country_name")
    if fields:
        target.save(update_fields=fields)
    return fields


@transaction.atomic
def decide_change(request_id: int, actor: Any, approve: bool, note: str) -> ChangeRequest:
    """Approve (the change applies now) or reject (nothing changes) a change request."""
    _operator(actor)
    text = _note(note)
    request = ChangeRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None:
        raise CatalogError.UNKNOWN_CHANGE_REQUEST.error(request_id=request_id)
    if request.state != ChangeRequest.State.PENDING:
        raise CatalogError.CHANGE_DECIDED.error(request_id=request_id)
    if approve:
        target: Product | SKU = (SKU.objects.select_for_update().get(pk=request.sku_id)
                                 if request.sku_id else
                                 Product.objects.select_for_update().get(pk=request.product_id))
        _apply(target, request.changes)
    request.state = ChangeRequest.State.APPROVED if approve else ChangeRequest.State.REJECTED
    request.decided_by = _user(actor)
    request.decided_at = clock.now()
    request.note = text
    request.save(update_fields=["state", "decided_by", "decided_at", "note"])
    audit.record(actor, "catalog.change_approve" if approve else "catalog.change_reject",
                 request, product=request.product_id, note=text,
                 fields=",".join(sorted(request.changes)))
    if approve:
        hooks.products_changed([request.product_id])
    return request


# --------------------------------------------------------------------------- images

@transaction.atomic
def add_image(org: Organization, actor: Any, product_id: object, raw: bytes) -> ProductImage:
    """Check, re-encode (EXIF dropped) and thumbnail an uploaded picture; it goes last."""
    product = product_of(org, product_id, lock=True)
    try:
        picture = images.reencode(raw)
    except images.ImageRejected as exc:
        if exc.reason == "too_large":
            raise CatalogError.IMAGE_TOO_LARGE.error() from None
        raise CatalogError.NOT_AN_IMAGE.error() from None
    if product.images.count() >= MAX_IMAGES:
        raise CatalogError.TOO_MANY_IMAGES.error(max=MAX_IMAGES)
    top = product.images.aggregate(top=Max("position"))["top"]
    row = ProductImage(product=product, position=0 if top is None else top + 1,
                       width=picture.width, height=picture.height, sha256=picture.sha256)
    stem = f"{product.pk}/{picture.sha256[:32]}"
    row.image.save(f"{stem}.jpg", ContentFile(picture.data), save=False)
    row.thumb.save(f"{stem}-thumb.jpg", ContentFile(picture.thumb), save=False)
    row.save()
    audit.record(actor, "catalog.image_add", product, image=row.pk, sha256=row.sha256)
    return row


@transaction.atomic
def delete_image(org: Organization, actor: Any, product_id: object, image_id: object) -> None:
    product = product_of(org, product_id, lock=True)
    row = product.images.filter(pk=whole_number(image_id) or 0).first()
    if row is None:
        raise CatalogError.UNKNOWN_IMAGE.error(image_id=image_id)
    names = [n for n in (row.image.name, row.thumb.name) if n]
    row.delete()
    audit.record(actor, "catalog.image_delete", product, sha256=row.sha256)
    storage = ProductImage._meta.get_field("image").storage  # type: ignore[attr-defined]

    def remove() -> None:
        # Another row may hold the same picture (same content, same name).
        for name in names:
            if not ProductImage.objects.filter(Q(image=name) | Q(thumb=name)).exists():
                storage.delete(name)

    transaction.on_commit(remove)


@transaction.atomic
def move_image(org: Organization, actor: Any, product_id: object, image_id: object,
               step: int) -> None:
    """Move a picture one place earlier (step -1) or later (+1); the first is the cover."""
    product = product_of(org, product_id, lock=True)
    rows = list(product.images.order_by("position", "id"))
    index = next((i for i, r in enumerate(rows) if str(r.pk) == str(image_id)), None)
    if index is None:
        raise CatalogError.UNKNOWN_IMAGE.error(image_id=image_id)
    other = index + (1 if step > 0 else -1)
    if 0 <= other < len(rows):
        rows[index], rows[other] = rows[other], rows[index]
    for position, row in enumerate(rows):
        if row.position != position:
            row.position = position
            row.save(update_fields=["position"])  # post_save: caches of the cover drop it
    audit.record(actor, "catalog.image_move", product, image=image_id, step=step)
