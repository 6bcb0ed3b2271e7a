"""POST /api/v1/tax/quote: public CBEC tax quote (no auth, no database).

The body is parsed from the raw bytes with ``parse_float=Decimal`` so money never goes
through a binary float; the OpenAPI request schema is declared by hand for the docs.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from shequn.taxes.io import quote_json

router = Router(tags=["tax"])

_NUM = {"oneOf": [{"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*$"},
                  {"type": "number"}],
        "description": "decimal as a string (preferred) or a JSON number, parsed exactly"}

_REQUEST_SCHEMA = {
    "type": "object",
    "required": ["lines"],
    "properties": {
        "lines": {
            "type": "array", "minItems": 1, "maxItems": 99,
            "items": {
                "type": "object",
                "required": ["name", "qty", "unit_price", "vat_rate"],
                "properties": {
                    "name": {"type": "string"},
                    "qty": {"type": "integer", "minimum": 1},
                    "unit_price": {**_NUM, "example": "480.00"},
                    "vat_rate": {**_NUM, "example": "0.13", "description": "in [0, 1)"},
                    "consumption_tax_rate": {**_NUM, "example": "0.15", "default": "0"},
                    "tariff_rate": {**_NUM, "example": "0.10", "default": "0",
                                    "description": "MFN rate; used only under full tax"},
                },
            },
        },
        "freight": {**_NUM, "default": "0"},
        "insurance": {**_NUM, "default": "0"},
        "annual_used": {**_NUM, "default": "0",
                        "description": "buyer's CBEC purchases so far this year"},
        "price_includes_tax": {"type": "boolean", "default": False,
                               "description": "包税: unit_price already includes the tax"},
    },
    "example": {"lines": [{"name": "面霜 50ml", "qty": 1, "unit_price": "480.00",
                           "vat_rate": "0.13", "consumption_tax_rate": "0.15"}],
                "freight": "20.00"},
}


class TaxLineOut(Schema):
    name: str
    goods_value: str
    freight_share: str
    insurance_share: str
    taxable_price: str
    duty: str
    consumption_tax: str
    vat: str
    tax: str


class TaxQuoteOut(Schema):
    regime: str  # cbec | cbec_full_tax | refused
    code: str | None  # over_single_limit | over_annual_limit when refused
    goods_value: str
    freight: str
    insurance: str
    taxable_total: str
    duty: str
    consumption_tax: str
    vat: str
    tax_total: str
    lines: list[TaxLineOut]


class TaxErrorOut(Schema):
    code: str
    message: str
    message_en: str
    detail: dict[str, str] | None = None


@router.post(
    "/quote",
    auth=None,
    response={200: TaxQuoteOut, 422: TaxErrorOut},
    summary="CBEC tax quote",
    description="Tax, regime and limits of one order (spec §1.2–1.6). A refused order "
                "is HTTP 200 with regime `refused` and a code; bad input is 422.",
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": _REQUEST_SCHEMA}}}},
)
def tax_quote(request: HttpRequest):
    # DomainError (422) is turned into {"code", "message", "message_en"} by api.root.
    return quote_json(request.body)
