"""Buyer identities (实名: name + resident ID) and delivery addresses.

Resident ID numbers and phones are encrypted at rest with a keyed lookup hash
and shown only masked (ARCHITECTURE §4.7, reliability-security §3.3). Every
read goes through the owner: another user's row is "not found", never
"forbidden", so ids reveal nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from shequn.accounts.phones import normalize_phone
from shequn.checkout.errors import CheckoutError
from shequn.checkout.models import Address, BuyerIdentity
from shequn.core import audit, clock, pii, regions
from shequn.core.errors import DomainError

log = logging.getLogger(__name__)

WARN_UNKNOWN_REGION = "unknown_region"

# Chinese characters (incl. extension A) and Latin letters; "·" joins parts of
# transliterated or minority names (e.g. 阿卜杜·艾尼).
_LETTERS = r"[\u3400-\u4dbf\u4e00-\u9fffA-Za-z]+"
_NAME_RE = re.compile(rf"^{_LETTERS}(?:[· ]{_LETTERS})*$")
_DOT_VARIANTS = str.maketrans({"•": "·", "・": "·", "．": "·", "‧": "·"})
_DISTRICT_RE = re.compile(r"^\d{6}$")


def validate_resident_id(number: str) -> tuple[str, list[str]]:
    """Normalise and check an 18-digit resident ID (GB 11643-1999).

    Checksum and birth date are hard rules; an unknown region code only gives
    a warning, because stdnum's region table lags behind re-zoned counties."""
    try:
        n = ric.compact(re.sub(r"[\s\-]", "", number or ""))
    except StdnumError:
        raise CheckoutError.INVALID_ID_NUMBER.error() from None
    # ASCII only: other scripts' digits pass isdigit() and int(), and the same ID
    # in them would hash apart from its ASCII form (a second annual quota).
    if (len(n) != 18 or not n.isascii() or not n[:17].isdigit()
            or not (n[17].isdigit() or n[17] == "X")):
        raise CheckoutError.INVALID_ID_NUMBER.error()
    if ric.calc_check_digit(n) != n[17]:
        raise CheckoutError.INVALID_ID_NUMBER.error()
    try:
        born = ric.get_birth_date(n)
    except StdnumError:
        raise CheckoutError.ID_BIRTHDATE_INVALID.error() from None
    today = clock.today()
    if born.year < 1900 or born > today:
        raise CheckoutError.ID_BIRTHDATE_INVALID.error()
    warnings: list[str] = []
    try:
        ric.get_birth_place(n)
    except StdnumError:
        warnings.append(WARN_UNKNOWN_REGION)
    return n, warnings


def validate_name(name: str) -> str:
    s = " ".join((name or "").split()).translate(_DOT_VARIANTS)
    if "<" in s or ">" in s or not 2 <= len(s) <= 30 or not _NAME_RE.match(s):
        raise CheckoutError.INVALID_NAME.error()
    return s


def validate_phone(phone: str) -> str:
    try:
        return normalize_phone(phone)
    except DomainError:
        raise CheckoutError.INVALID_PHONE.error() from None


def _has_control(s: str) -> bool:
    # NUL and other control characters: junk in an address, and PostgreSQL
    # refuses NUL in a text column (a 500 instead of a form error).
    return any(unicodedata.category(ch) == "Cc" for ch in s)


def _plain_text(value: str, max_len: int, min_len: int = 1) -> str:
    s = " ".join((value or "").split())
    if "<" in s or ">" in s or _has_control(s) or not min_len <= len(s) <= max_len:
        raise CheckoutError.INVALID_ADDRESS.error()
    return s


def _district_code(code: str) -> str:
    code = (code or "").strip()
    if not _DISTRICT_RE.match(code):
        raise CheckoutError.INVALID_DISTRICT_CODE.error()
    return code


def _region(province: str, city: str, district: str, district_code: str) -> regions.Region:
    """The GB/T 2260 region of the code, if the names given belong to it."""
    code = _district_code(district_code)
    names = (_plain_text(province, 20), _plain_text(city, 20),
             _plain_text(district, 20, min_len=0) if district else "")
    try:
        return regions.resolve(*names, code)
    except regions.RegionError:
        raise CheckoutError.INVALID_REGION.error() from None


def _problems(checks: dict[str, Callable[[], object]]) -> dict[str, DomainError]:
    found: dict[str, DomainError] = {}
    for field, check in checks.items():
        try:
            check()
        except DomainError as err:
            found[field] = err
    return found


def identity_problems(name: str, id_number: str, phone: str) -> dict[str, DomainError]:
    """Every field error of an identity form at once (add_identity stops at the first),
    so a form can show them all."""
    return _problems({"name": lambda: validate_name(name),
                      "id_number": lambda: validate_resident_id(id_number),
                      "phone": lambda: validate_phone(phone)})


def address_problems(consignee: str, phone: str, province: str, city: str, district: str,
                     district_code: str, detail: str) -> dict[str, DomainError]:
    """Every field error of an address form at once (add_address stops at the first)."""
    return _problems({"consignee": lambda: validate_name(consignee),
                      "phone": lambda: validate_phone(phone),
                      "province": lambda: _plain_text(province, 20),
                      "city": lambda: _plain_text(city, 20),
                      "district_code": lambda: _region(province, city, district,
                                                       district_code),
                      "detail": lambda: _plain_text(detail, 120, min_len=2)})


# ---- identities -------------------------------------------------------------------------

@transaction.atomic
def add_identity(user: Any, name: str, id_number: str, phone: str) -> BuyerIdentity:
    """Add (or, for the same ID, update) a real-name identity of ``user``.
    The returned object carries ``warnings`` (e.g. ``["unknown_region"]``)."""
    name = validate_name(name)
    number, warnings = validate_resident_id(id_number)
    phone = validate_phone(phone)
    id_hash = pii.lookup_hash(number)
    fields = {"name": name, "phone_enc": pii.encrypt(phone),
              "phone_hash": pii.lookup_hash(phone), "phone_masked": pii.mask_phone(phone)}
    ident = BuyerIdentity.objects.select_for_update().filter(user=user, id_hash=id_hash).first()
    if ident is None:
        try:
            with transaction.atomic():
                ident = BuyerIdentity.objects.create(
                    user=user, id_enc=pii.encrypt(number), id_hash=id_hash,
                    id_masked=pii.mask_id(number), **fields)
        except IntegrityError:  # a parallel add of the same ID won: update it instead
            ident = BuyerIdentity.objects.select_for_update().get(user=user, id_hash=id_hash)
    if ident.name != name or ident.phone_hash != fields["phone_hash"]:
        for k, v in fields.items():
            setattr(ident, k, v)
        ident.save(update_fields=list(fields))
    ident.warnings = warnings  # type: ignore[attr-defined]
    log.info("identity %s saved for user %s (%s)", ident.pk, user.pk, ident.id_masked)
    return ident


def list_identities(user: Any) -> QuerySet[BuyerIdentity]:
    return BuyerIdentity.objects.filter(user=user).order_by("-created_at", "-id")


def get_identity(user: Any, identity_id: Any) -> BuyerIdentity:
    try:
        return BuyerIdentity.objects.get(user=user, pk=int(identity_id))
    except (BuyerIdentity.DoesNotExist, TypeError, ValueError):
        raise CheckoutError.IDENTITY_NOT_FOUND.error() from None


@transaction.atomic
def delete_identity(user: Any, identity_id: Any) -> None:
    get_identity(user, identity_id).delete()


def decrypt_identity(identity: BuyerIdentity, purpose: str = "") -> tuple[str, str, str]:
    """(name, resident ID, phone) in clear — for order placement and customs only.
    Every access is in the audit log with its purpose (PIPL: sensitive data)."""
    log.info("identity %s decrypted%s", identity.pk, f" for {purpose}" if purpose else "")
    audit.record(None, "pii.decrypt", identity, purpose=purpose or "unspecified")
    return identity.name, pii.decrypt(identity.id_enc), pii.decrypt(identity.phone_enc)


def birth_date_of(identity: BuyerIdentity) -> dt.date:
    return ric.get_birth_date(pii.decrypt(identity.id_enc))


# ---- addresses --------------------------------------------------------------------------

@transaction.atomic
def add_address(user: Any, consignee: str, phone: str, province: str, city: str,
                district: str, district_code: str, detail: str) -> Address:
    consignee = validate_name(consignee)
    phone = validate_phone(phone)
    region = _region(province, city, district, district_code)
    return Address.objects.create(
        user=user, consignee=consignee, phone_enc=pii.encrypt(phone),
        phone_hash=pii.lookup_hash(phone), phone_masked=pii.mask_phone(phone),
        # The canonical names of the code, whatever spelling the client sent.
        province=region.province, city=region.city, district=region.district,
        district_code=region.code,
        detail=_plain_text(detail, 120, min_len=2))


def list_addresses(user: Any) -> QuerySet[Address]:
    return Address.objects.filter(user=user).order_by("-created_at", "-id")


def get_address(user: Any, address_id: Any) -> Address:
    try:
        return Address.objects.get(user=user, pk=int(address_id))
    except (Address.DoesNotExist, TypeError, ValueError):
        raise CheckoutError.ADDRESS_NOT_FOUND.error() from None


@transaction.atomic
def delete_address(user: Any, address_id: Any) -> None:
    get_address(user, address_id).delete()


def decrypt_address_phone(address: Address) -> str:
    return pii.decrypt(address.phone_enc)
