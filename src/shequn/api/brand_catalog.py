"""Partner API: the key's organization's products and SKUs (scope "catalog").

Mounted at /api/v1/partner/catalog. The same services and checks as the brand
console (catalog.editing): a refused field answers 422 ``invalid_fields`` with
``fields`` naming each field's code and message; a product or SKU of another
organization is 404, as if it did not exist. New products start as drafts
(``"submit": true`` sends them for review); on an approved product, changes of
tax-relevant fields answer with the ``change_request`` that waits for an operator."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema

from shequn.api.keyauth import ApiKeyAuth, partner_org
from shequn.api.schemas import Error, Id, SmallInt
from shequn.catalog import editing
from shequn.catalog.errors import CatalogError
from shequn.catalog.models import SKU, ChangeRequest, Organization, Product

router = Router(tags=["partner"], auth=ApiKeyAuth("catalog"))

Short = Annotated[str, Field(max_length=40)]


class FieldError(Schema):
    code: str
    message: str
    message_en: str


class FieldsError(Error):
    fields: dict[str, FieldError] | None = None


class SkuOut(Schema):
    id: int
    code: str
    gtin: str
    gmodel: str
    label_en: str
    hs_code: str
    unit: str
    legal_unit1: str
    legal_qty1_per_unit: Decimal
    legal_unit2: str
    legal_qty2_per_unit: Decimal | None
    net_weight_kg: Decimal
    gross_weight_kg: Decimal
    net_content: Decimal
    net_content_unit: str
    vat_rate: Decimal
    consumption_tax_rate: Decimal
    consumption_tax_rule: str
    tariff_rate: Decimal
    bonded_only: bool
    price: Decimal
    price_includes_tax: bool
    active: bool


class ChangeOut(Schema):
    id: int
    state: str
    changes: dict[str, list[str]]


class ProductOut(Schema):
    id: int
    brand: str
    seller: str
    name: str
    name_en: str
    description: str
    description_en: str
    origin_country: str
    category: str | None
    review_state: str
    skus: list[SkuOut]
    pending_changes: list[ChangeOut]


class SkuIn(Schema):
    code: Annotated[str, Field(max_length=20)]
    gmodel: Annotated[str, Field(max_length=510)]
    label_en: Annotated[str, Field(max_length=100)] = ""
    hs_code: Short
    price: Short
    gtin: Short = ""
    unit: Short = "011"
    legal_unit1: Short = "011"
    legal_qty1_per_unit: Short = "1"
    legal_unit2: Short = ""
    legal_qty2_per_unit: Short = ""
    net_weight_kg: Short
    gross_weight_kg: Short
    net_content: Short
    net_content_unit: Short = "piece"
    vat_rate: Short = "0.13"
    consumption_tax_rate: Short = "0"
    consumption_tax_rule: Short = "none"
    tariff_rate: Short = "0"
    bonded_only: bool = False
    price_includes_tax: bool = False


class SkuPatch(Schema):
    gtin: Short | None = None
    gmodel: Annotated[str, Field(max_length=510)] | None = None
    label_en: Annotated[str, Field(max_length=100)] | None = None
    hs_code: Short | None = None
    price: Short | None = None
    unit: Short | None = None
    legal_unit1: Short | None = None
    legal_qty1_per_unit: Short | None = None
    legal_unit2: Short | None = None
    legal_qty2_per_unit: Short | None = None
    net_weight_kg: Short | None = None
    gross_weight_kg: Short | None = None
    net_content: Short | None = None
    net_content_unit: Short | None = None
    vat_rate: Short | None = None
    consumption_tax_rate: Short | None = None
    consumption_tax_rule: Short | None = None
    tariff_rate: Short | None = None
    bonded_only: bool | None = None
    price_includes_tax: bool | None = None


class ProductIn(Schema):
    name: Annotated[str, Field(max_length=250)]
    name_en: Annotated[str, Field(max_length=250)] = ""
    description: Annotated[str, Field(max_length=5000)] = ""
    description_en: Annotated[str, Field(max_length=5000)] = ""
    origin_country: Short
    category: Short = ""
    seller: Short = Field("", description="Seller of record (organization code), "
                                          "when the key's organization is the brand")
    brand: Short = Field("", description="Brand owner (organization code), when the key's "
                                         "organization is the seller of record")
    skus: Annotated[list[SkuIn], Field(max_length=50)] = []
    submit: bool = False


class ProductPatch(Schema):
    name: Annotated[str, Field(max_length=250)] | None = None
    name_en: Annotated[str, Field(max_length=250)] | None = None
    description: Annotated[str, Field(max_length=5000)] | None = None
    description_en: Annotated[str, Field(max_length=5000)] | None = None
    origin_country: Short | None = None
    category: Short | None = None


class SkuSaved(Schema):
    sku: SkuOut
    change_request: ChangeOut | None


class ProductSaved(Schema):
    product: ProductOut
    change_request: ChangeOut | None


def _org(request: HttpRequest) -> Organization:
    org = partner_org(request)
    if org is None:  # the platform's key: operators use the console for this
        raise CatalogError.INVALID_ORGANIZATION.error(role="brand", kind="platform")
    return org


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)  # the ApiKey (audit: no user)


def _sku(s: SKU) -> dict[str, Any]:
    return {f: getattr(s, f) for f in SkuOut.model_fields if f != "id"} | {"id": s.pk}


def _change(cr: ChangeRequest | None) -> dict[str, Any] | None:
    if cr is None:
        return None
    return {"id": cr.pk, "state": cr.state, "changes": cr.changes}


def _product(p: Product) -> dict[str, Any]:
    return {"id": p.pk, "brand": p.brand.code or str(p.brand_id),
            "seller": p.seller.code or str(p.seller_id), "name": p.name,
            "name_en": p.name_en, "description": p.description,
            "description_en": p.description_en,
            "origin_country": p.origin_country,
            "category": p.category.slug if p.category else None,
            "review_state": p.review_state,
            "skus": [_sku(s) for s in p.skus.all()],
            "pending_changes": [_change(cr) for cr in p.change_requests.all()
                                if cr.state == ChangeRequest.State.PENDING]}


def _products(org: Organization) -> QuerySet[Product]:
    return editing.products_of(org).prefetch_related("skus", "change_requests").order_by("id")


@router.get("/products", response={200: list[ProductOut], 401: Error, 403: Error, 422: Error})
def list_products(request: HttpRequest, limit: SmallInt = 100, offset: SmallInt = 0
                  ) -> list[dict]:
    limit, offset = max(1, min(limit, 500)), max(0, offset)
    return [_product(p) for p in _products(_org(request))[offset:offset + limit]]


@router.get("/products/{product_id}", response={200: ProductOut, 401: Error, 403: Error,
                                                404: Error, 422: Error})
def get_product(request: HttpRequest, product_id: Id) -> dict:
    org = _org(request)
    product = _products(org).filter(pk=editing.product_of(org, product_id).pk).get()
    return _product(product)


@router.post("/products", response={201: ProductOut, 401: Error, 403: Error, 404: Error,
                                    422: FieldsError})
def create_product(request: HttpRequest, body: ProductIn) -> tuple[int, dict]:
    org = _org(request)
    data = body.model_dump(exclude={"skus", "submit"})
    product = editing.create_product(org, _actor(request), data,
                                     [s.model_dump() for s in body.skus], submit=body.submit)
    return 201, _product(_products(org).get(pk=product.pk))


@router.patch("/products/{product_id}", response={200: ProductSaved, 401: Error, 403: Error,
                                                  404: Error, 422: FieldsError})
def update_product(request: HttpRequest, product_id: Id, body: ProductPatch) -> dict:
    org = _org(request)
    product, change = editing.update_product(org, _actor(request), product_id,
                                             body.model_dump(exclude_none=True))
    return {"product": _product(_products(org).get(pk=product.pk)), "change_request":
            _change(change)}


@router.post("/products/{product_id}/submit", response={200: ProductOut, 401: Error,
                                                        403: Error, 404: Error, 409: Error,
                                                        422: FieldsError})
def submit_product(request: HttpRequest, product_id: Id) -> dict:
    org = _org(request)
    product = editing.submit(org, _actor(request), product_id)
    return _product(_products(org).get(pk=product.pk))


@router.post("/products/{product_id}/skus", response={201: SkuSaved, 401: Error, 403: Error,
                                                      404: Error, 409: Error,
                                                      422: FieldsError})
def create_sku(request: HttpRequest, product_id: Id, body: SkuIn) -> tuple[int, dict]:
    sku, change = editing.create_sku(_org(request), _actor(request), product_id,
                                     body.model_dump())
    return 201, {"sku": _sku(sku), "change_request": _change(change)}


@router.get("/skus/{sku_id}", response={200: SkuOut, 401: Error, 403: Error, 404: Error,
                                        422: Error})
def get_sku(request: HttpRequest, sku_id: Id) -> dict:
    return _sku(editing.sku_of(_org(request), sku_id))


@router.patch("/skus/{sku_id}", response={200: SkuSaved, 401: Error, 403: Error, 404: Error,
                                          409: Error, 422: FieldsError})
def update_sku(request: HttpRequest, sku_id: Id, body: SkuPatch) -> dict:
    sku, change = editing.update_sku(_org(request), _actor(request), sku_id,
                                     body.model_dump(exclude_none=True))
    return {"sku": _sku(sku), "change_request": _change(change)}
