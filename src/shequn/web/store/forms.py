"""Input parsing for the store pages. Validation of identities, addresses and
quantities is the checkout domain's; here we only map its error codes back to
the form field they belong to, so the message shows next to that field."""

from __future__ import annotations

from shequn.core.errors import CodedError, CommonError

IDENTITY_FIELDS = ("name", "id_number", "phone")
ADDRESS_FIELDS = ("consignee", "phone", "province", "city", "district", "district_code",
                  "detail")

_IDENTITY_ERRORS = {
    "invalid_name": "name",
    "invalid_id_number": "id_number",
    "id_birthdate_invalid": "id_number",
    "invalid_phone": "phone",
}
_ADDRESS_ERRORS = {
    "invalid_name": "consignee",
    "invalid_consignee": "consignee",
    "invalid_phone": "phone",
    "invalid_district_code": "district_code",
    "invalid_address": "detail",
}


# The return form (returns_views): items, reason, description, photos.
_RETURN_ERRORS = {
    "no_return_lines": "lines",
    "bad_return_lines": "lines",
    "bad_return_reason": "reason_code",
    "bad_return_photo": "photos",
    "return_photo_too_large": "photos",
    "too_many_return_photos": "photos",
}


def return_field_for_error(code: str, detail: dict[str, object]) -> str:
    """The return form's field an error belongs to: "Other" without a description
    is the description's error (detail ``field="reason"``), a missing choice the
    reason's; ``form`` for the rest (the order can no longer be returned)."""
    if code == "bad_return_reason" and detail.get("field") == "reason":
        return "reason"
    return _RETURN_ERRORS.get(code, "form")


def field_for_error(form: str, code: str) -> str:
    """The field an error code belongs to; ``form`` when it is about the whole form."""
    table = _IDENTITY_ERRORS if form == "identity" else _ADDRESS_ERRORS
    return table.get(code, "form")


def parse_int(raw: object, *, default: int | None = None,
              error: CodedError = CommonError.INVALID_INPUT) -> int:
    """A whole number from a form field. Missing or junk input gives ``default``
    when one is given, else the domain error (never a 500)."""
    text = str(raw).strip() if raw is not None else ""
    # isdecimal, not isdigit: "²" and "①" are digits int() refuses (a 500).
    if text.isdecimal() and len(text) <= 12:
        return int(text)
    if default is not None:
        return default
    raise error.error(value=text[:20])
