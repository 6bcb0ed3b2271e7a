"""Authorization grants (品牌授权): create, review, suspend, reinstate, revoke,
expire. Each public function is one transaction; every change writes a
GrantLog row (and the audit log for operators' acts) and, when the set of
active grants changes, rewrites the brand's chain covers (brands.chain).

Who may act: a brand admin of the grantor organization creates, suspends,
reinstates and revokes its grants; operators review (approve / reject) and may
do everything. Another organization's grant is not found for anyone else.

The authorization document is kept exactly as uploaded (its SHA-256 is the
evidence; re-encoding would change it), only a PDF or a picture Pillow can
read, in private media, served by a view that checks who asks."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterable
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext_noop
from PIL import Image

from shequn.accounts.roles import BRAND_ADMIN, OPERATOR, has_role
from shequn.brands import chain, selectors
from shequn.brands.errors import BrandError
from shequn.brands.models import Grant, GrantLog, Membership
from shequn.catalog.models import SKU, Category, Organization
from shequn.core import audit, clock, notices
from shequn.core.httpinput import without_controls

S = Grant.Status
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp",
                 "GIF": "image/gif", "TIFF": "image/tiff", "BMP": "image/bmp",
                 "MPO": "image/jpeg"}
MAX_NOTE = 300


# --------------------------------------------------------------------------- who


def is_operator(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False)
                and (getattr(actor, "is_superuser", False) or has_role(actor, OPERATOR)))


def _admin_of(actor: Any, org_id: int) -> bool:
    if not (getattr(actor, "is_authenticated", False) and has_role(actor, BRAND_ADMIN)):
        return False
    m = selectors.membership_of(actor, org_id)
    return m is not None and m.role == Membership.Role.ADMIN


def can_see(actor: Any, grant: Grant) -> bool:
    """Grantor, grantee and brand-owner staff, and operators."""
    if is_operator(actor):
        return True
    orgs = selectors.organization_ids(actor)
    return bool(orgs & {grant.grantor_id, grant.grantee_id, grant.brand_id})


def visible_to(actor: Any, grant_id: Any) -> Grant:
    """The grant if ``actor`` may see it; GRANT_NOT_FOUND otherwise (a foreign
    grant is not told apart from a missing one)."""
    try:
        pk = int(grant_id)
    except (TypeError, ValueError):
        raise BrandError.GRANT_NOT_FOUND.error() from None
    grant = (Grant.objects.select_related("brand", "grantor", "grantee", "created_by")
             .filter(pk=pk).first())
    if grant is None or not can_see(actor, grant):
        raise BrandError.GRANT_NOT_FOUND.error(grant=grant_id)
    return grant


def grants_of(org: Organization | None) -> Any:
    """Grants given or received by ``org`` (every grant for None: the platform)."""
    from django.db.models import Q

    qs = Grant.objects.select_related("brand", "grantor", "grantee")
    if org is not None:
        qs = qs.filter(Q(grantor=org) | Q(grantee=org) | Q(brand=org))
    return qs.order_by("-created_at", "-pk")


# --------------------------------------------------------------------------- checks


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise BrandError.GRANT_DATES_INVALID.error(value=str(value)[:20]) from None


def sniff_document(data: bytes) -> str:
    """The content type of an acceptable document (PDF or a picture), from its
    bytes; DOCUMENT_MISSING / DOCUMENT_TOO_LARGE / DOCUMENT_NOT_ALLOWED otherwise."""
    if not data:
        raise BrandError.DOCUMENT_MISSING.error()
    if len(data) > MAX_DOCUMENT_BYTES:
        raise BrandError.DOCUMENT_TOO_LARGE.error(limit=MAX_DOCUMENT_BYTES, size=len(data))
    if data[:5] == b"%PDF-":
        return "application/pdf"
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            probe.verify()
    except Exception:
        raise BrandError.DOCUMENT_NOT_ALLOWED.error() from None
    if fmt not in IMAGE_FORMATS:
        raise BrandError.DOCUMENT_NOT_ALLOWED.error(format=fmt)
    return IMAGE_FORMATS[fmt]


def holds_brand(org_id: int, brand_id: int) -> bool:
    """The brand owner itself, or the grantee of an active grant of the brand."""
    return org_id == brand_id or Grant.objects.filter(
        brand_id=brand_id, grantee_id=org_id, status=S.ACTIVE).exists()


def _clean_name(name: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>"')
    return base.strip()[:120] or "document"


def _note(note: Any) -> str:
    """A note as stored in the grant's log: without control characters other
    than line breaks (PostgreSQL text cannot hold a NUL: it was a 500)."""
    return without_controls(str(note or "")).strip()[:MAX_NOTE]


def _log(grant: Grant, actor: Any, action: str, from_status: str, to_status: str,
         note: str = "") -> None:
    GrantLog.objects.create(grant=grant, actor=actor if getattr(actor, "pk", None) else None,
                            action=action, from_status=from_status, to_status=to_status,
                            note=(note or "")[:MAX_NOTE])
    if is_operator(actor):
        audit.record(actor, f"grant.{action}", grant, from_status=from_status,
                     to_status=to_status, note=(note or "")[:MAX_NOTE])


# --------------------------------------------------------------------------- create


@transaction.atomic
def create_grant(actor: Any, *, grantor: Organization, grantee: Organization,
                 brand: Organization, valid_from: Any, valid_to: Any,
                 document: bytes, document_name: str, scope: str = Grant.Scope.ALL,
                 category_ids: Iterable[Any] = (), sku_ids: Iterable[Any] = (),
                 channel: str = Grant.Channel.CBEC_RETAIL, note: str = "",
                 api_key: Any = None) -> Grant:
    """A new grant, pending an operator's review. Bad input changes nothing.
    Through the partner API ``api_key`` stands for the actor: the platform's
    key, or a key of the grantor organization."""
    note = _note(note)
    if api_key is not None:
        allowed = api_key.organization_id in (None, grantor.pk)
    else:
        allowed = is_operator(actor) or _admin_of(actor, grantor.pk)
    if not allowed:
        raise BrandError.GRANT_NOT_ALLOWED.error()
    if brand.kind != Organization.Kind.BRAND:
        raise BrandError.UNKNOWN_ORGANIZATION.error(brand=brand.pk)
    start, end = _date(valid_from), _date(valid_to)
    if end < start:
        raise BrandError.GRANT_DATES_REVERSED.error(valid_from=start, valid_to=end)
    if end < chain.today():
        raise BrandError.GRANT_DATES_INVALID.error(valid_to=end)
    if grantor.pk == grantee.pk:
        raise BrandError.GRANT_TO_SELF.error()
    if not holds_brand(grantor.pk, brand.pk):
        raise BrandError.GRANTOR_NOT_HOLDER.error(grantor=grantor.pk, brand=brand.pk)
    if channel not in Grant.Channel.values:
        raise BrandError.GRANT_CHANNEL_INVALID.error(channel=str(channel)[:20])
    categories: list[Category] = []
    skus: list[SKU] = []
    if scope == Grant.Scope.CATEGORIES:
        ids = _ids(category_ids)
        categories = list(Category.objects.filter(pk__in=ids))
        if not ids or len(categories) != len(ids):
            raise BrandError.GRANT_SCOPE_INVALID.error(scope=scope)
    elif scope == Grant.Scope.SKUS:
        ids = _ids(sku_ids)
        skus = list(SKU.objects.filter(pk__in=ids, product__brand=brand))
        if not ids or len(skus) != len(ids):
            raise BrandError.GRANT_SCOPE_INVALID.error(scope=scope)
    elif scope != Grant.Scope.ALL:
        raise BrandError.GRANT_SCOPE_INVALID.error(scope=str(scope)[:20])
    content_type = sniff_document(document)
    digest = hashlib.sha256(document).hexdigest()
    grant = Grant(brand=brand, grantor=grantor, grantee=grantee, scope=scope, channel=channel,
                  valid_from=start, valid_to=end, document_name=_clean_name(document_name),
                  document_type=content_type, document_sha256=digest, status=S.PENDING,
                  created_by=actor if getattr(actor, "pk", None) else None)
    grant.save()
    if categories:
        grant.categories.set(categories)
    if skus:
        grant.skus.set(skus)
    # Last, so a refusal above leaves no file behind.
    grant.document.save(digest, ContentFile(document), save=False)
    Grant.objects.filter(pk=grant.pk).update(document=grant.document.name)
    _log(grant, actor, "create", "", S.PENDING,
         note or (f"API key {api_key.prefix}" if api_key is not None else ""))
    operators = chain._operators()
    notices.notify(operators, "grant_pending",
                   gettext_noop("A new authorization grant of {brand} to {grantee} awaits "
                                "review."), f"/ops/grants/{grant.pk}/",
                   brand=brand.name, grantee=grantee.name)
    return grant


def _ids(values: Iterable[Any]) -> set[int]:
    out = set()
    for v in values or ():
        try:
            out.add(int(v))
        except (TypeError, ValueError):
            raise BrandError.GRANT_SCOPE_INVALID.error(value=str(v)[:20]) from None
    return out


# --------------------------------------------------------------------------- moves


def _move(grant_id: Any, actor: Any, action: str, sources: tuple[str, ...], to: str,
          note: str = "", *, who: str) -> Grant:
    note = _note(note)
    grant = Grant.objects.select_for_update().select_related(
        "brand", "grantor", "grantee").filter(pk=_pk(grant_id)).first()
    if grant is None:
        raise BrandError.GRANT_NOT_FOUND.error(grant=grant_id)
    operator = is_operator(actor)
    if not operator:
        if who == "operator" or not _admin_of(actor, grant.grantor_id):
            if can_see(actor, grant):
                raise BrandError.GRANT_NOT_ALLOWED.error()
            raise BrandError.FOREIGN_OBJECT.error()
    if grant.status not in sources:
        raise BrandError.GRANT_STATE.error(state=grant.status, action=action)
    if to == S.ACTIVE and grant.valid_to < chain.today():
        raise BrandError.GRANT_STATE.error(state=grant.status, reason="expired")
    before = grant.status
    updated = Grant.objects.filter(pk=grant.pk, status=before).update(
        status=to, updated_at=clock.now())
    if not updated:
        raise BrandError.GRANT_STATE.error(state=before, action=action)
    grant.status = to
    _log(grant, actor, action, before, to, note)
    if S.ACTIVE in (before, to):
        chain.rebuild_brand(grant.brand_id, reason=f"grant {grant.pk} {action}")
    _tell_parties(grant, action, note)
    return grant


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# The English labels of Grant.Status and their msgctxt, for notices shown later
# in each reader's language (core.notices.term).
_STATUS_TERMS: dict[str, tuple[str, str]] = {
    Grant.Status.PENDING: ("Pending review", ""), Grant.Status.ACTIVE: ("Active", "grant"),
    Grant.Status.SUSPENDED: ("Suspended", ""), Grant.Status.REVOKED: ("Revoked", ""),
    Grant.Status.EXPIRED: ("Expired", "grant"), Grant.Status.REJECTED: ("Rejected", "grant"),
}


def _status_term(status: str) -> str:
    msgid, context = _STATUS_TERMS.get(status, (status, ""))
    return notices.term(msgid, context)


def _tell_parties(grant: Grant, action: str, note: str) -> None:
    people = [*selectors.staff_of(grant.grantor), *selectors.staff_of(grant.grantee)]
    notices.notify(people, f"grant_{action}",
                   gettext_noop("Authorization grant of {brand} from {grantor} to {grantee}: "
                                "{status}."), f"/brand/grants/{grant.pk}/",
                   brand=grant.brand.name, grantor=grant.grantor.name,
                   grantee=grant.grantee.name, status=_status_term(grant.status))


@transaction.atomic
def approve(grant_id: Any, actor: Any, note: str = "") -> Grant:
    return _move(grant_id, actor, "approve", (S.PENDING,), S.ACTIVE, note, who="operator")


@transaction.atomic
def reject(grant_id: Any, actor: Any, note: str = "") -> Grant:
    return _move(grant_id, actor, "reject", (S.PENDING,), S.REJECTED, note, who="operator")


@transaction.atomic
def suspend(grant_id: Any, actor: Any, note: str = "") -> Grant:
    return _move(grant_id, actor, "suspend", (S.ACTIVE,), S.SUSPENDED, note, who="grantor")


@transaction.atomic
def reinstate(grant_id: Any, actor: Any, note: str = "") -> Grant:
    return _move(grant_id, actor, "reinstate", (S.SUSPENDED,), S.ACTIVE, note, who="grantor")


@transaction.atomic
def revoke(grant_id: Any, actor: Any, note: str = "") -> Grant:
    return _move(grant_id, actor, "revoke", (S.PENDING, S.ACTIVE, S.SUSPENDED), S.REVOKED,
                 note, who="grantor")


def expire_due(limit: int = 200) -> int:
    """The periodic job: grants past their end date (in China) expire; each
    brand's covers are rewritten once, in its own transaction. Idempotent."""
    day = chain.today()
    due = list(Grant.objects.filter(status__in=(S.ACTIVE, S.SUSPENDED, S.PENDING),
                                    valid_to__lt=day)
               .order_by("valid_to", "pk").values_list("pk", "brand_id")[:limit])
    brands: dict[int, list[int]] = {}
    for pk, brand_id in due:
        brands.setdefault(brand_id, []).append(pk)
    done = 0
    for brand_id, pks in brands.items():
        done += _expire_brand(brand_id, pks, day)
    return done


@transaction.atomic
def _expire_brand(brand_id: int, pks: list[int], day: dt.date) -> int:
    done = 0
    was_active = False
    for grant in (Grant.objects.select_for_update().filter(pk__in=pks, valid_to__lt=day)
                  .exclude(status__in=(S.EXPIRED, S.REVOKED, S.REJECTED)).order_by("pk")):
        before = grant.status
        Grant.objects.filter(pk=grant.pk).update(status=S.EXPIRED, updated_at=clock.now())
        grant.status = S.EXPIRED
        _log(grant, None, "expire", before, S.EXPIRED, gettext_noop("Validity ended"))
        was_active = was_active or before == S.ACTIVE
        done += 1
    if was_active or done:
        chain.rebuild_brand(brand_id, reason="grants expired")
    return done
