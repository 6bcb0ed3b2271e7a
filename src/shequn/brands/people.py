"""Brand organizations and their people: operators create organizations (brand
owner, importer / e-commerce enterprise, warehouse operator); operators and a
brand's admins invite staff with a role; the invitee accepts through the link,
signed in with the invited mobile number; admins deactivate members.

Each public function is one transaction. Invitation tokens are shown once (only
a SHA-256 is kept); the invitee's phone is stored encrypted and shown masked."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from shequn.accounts import roles
from shequn.accounts.phones import normalize_phone
from shequn.brands.errors import BrandError
from shequn.brands.models import Invitation, Membership
from shequn.catalog.models import Organization
from shequn.core import audit, clock, notices, pii
from shequn.core.httpinput import has_control

INVITATION_DAYS = 7
R = Membership.Role
K = Organization.Kind
# Which roles an organization of each kind can give.
ROLES_BY_KIND: dict[str, tuple[str, ...]] = {
    K.BRAND: (R.ADMIN, R.STAFF),
    K.EBC: (R.ADMIN, R.STAFF),
    K.WAREHOUSE: (R.WAREHOUSE,),
}
ORG_KINDS = tuple(ROLES_BY_KIND)
BRAND_ROLES = (R.ADMIN, R.STAFF)
_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").strip().encode()).hexdigest()


def is_operator(user: Any) -> bool:
    return roles.has_role(user, roles.OPERATOR)


def admin_of(user: Any, organization: Organization) -> bool:
    """An active brand admin of ``organization`` (membership and role group)."""
    if not roles.has_role(user, roles.BRAND_ADMIN):
        return False
    return Membership.objects.filter(organization=organization, user=user, active=True,
                                     role=R.ADMIN).exists()


def may_manage(user: Any, organization: Organization) -> bool:
    return is_operator(user) or admin_of(user, organization)


def _require_manager(user: Any, organization: Organization) -> None:
    if not may_manage(user, organization):
        raise BrandError.INVITE_FORBIDDEN.error(organization=organization.pk)


def roles_for(organization: Organization, user: Any) -> tuple[str, ...]:
    """The roles ``user`` may give in ``organization``: operators any role the
    organization's kind allows, brand admins brand roles only."""
    allowed = ROLES_BY_KIND.get(organization.kind, ())
    if is_operator(user):
        return allowed
    return tuple(r for r in allowed if r in BRAND_ROLES)


# --------------------------------------------------------------------------- organizations

@transaction.atomic
def create_organization(actor: Any, *, kind: str, name: str, code: str, name_en: str = "",
                        customs_code: str = "", country: str = "") -> Organization:
    """An organization of people (operators only)."""
    roles.require_role(actor, roles.OPERATOR)
    name, code = (name or "").strip(), (code or "").strip().lower()
    if kind not in ORG_KINDS or not name or len(name) > 100 or not _CODE_RE.match(code):
        raise BrandError.BAD_ORGANIZATION.error(kind=kind, org_code=code)
    customs_code, country = (customs_code or "").strip(), (country or "").strip()
    if len(customs_code) > 18 or len(country) > 3 or len(name_en or "") > 100:
        raise BrandError.BAD_ORGANIZATION.error(kind=kind, org_code=code)
    if Organization.objects.filter(code=code).exists():
        raise BrandError.ORG_CODE_TAKEN.error(org_code=code)
    try:
        with transaction.atomic():
            org = Organization.objects.create(kind=kind, name=name, code=code,
                                              name_en=(name_en or "").strip(),
                                              customs_code=customs_code, country=country)
    except IntegrityError:  # the same code created in parallel
        raise BrandError.ORG_CODE_TAKEN.error(org_code=code) from None
    audit.record(actor, "brands.org_create", org, kind=kind, code=code)
    return org


# --------------------------------------------------------------------------- invitations

@transaction.atomic
def invite(actor: Any, organization: Organization, *, role: str, name: str, phone: str,
           days: int = INVITATION_DAYS) -> tuple[Invitation, str]:
    """Invite a person to ``organization`` with ``role``; returns the invitation
    and its token (for the link ``/brand/invite/<token>/``), shown only now."""
    _require_manager(actor, organization)
    if role not in roles_for(organization, actor):
        raise BrandError.ROLE_NOT_ALLOWED.error(role=role)
    name = (name or "").strip()
    if not name or len(name) > 60 or has_control(name):  # PostgreSQL cannot store a NUL
        raise BrandError.BAD_INVITATION.error()
    phone = normalize_phone(phone)
    token = secrets.token_urlsafe(24)
    while token.startswith("-"):
        token = secrets.token_urlsafe(24)
    days = max(1, min(int(days), 30))
    row = Invitation.objects.create(
        organization=organization, role=role, name=name, phone_enc=pii.encrypt(phone),
        phone_masked=pii.mask_phone(phone), token_hash=token_hash(token),
        invited_by=actor if getattr(actor, "pk", None) else None,
        expires_at=clock.now() + dt.timedelta(days=days))
    audit.record(actor, "brands.invite", row, organization=organization.pk, role=role,
                 phone=row.phone_masked)
    return row, token


def invitation_for(token: str) -> Invitation:
    """The invitation of ``token`` (any state), or INVITATION_INVALID."""
    row = (Invitation.objects.select_related("organization")
           .filter(token_hash=token_hash(token)).first())
    if row is None:
        raise BrandError.INVITATION_INVALID.error()
    return row


def invitation_state(row: Invitation) -> str:
    if row.accepted_at is not None:
        return "accepted"
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at <= clock.now():
        return "expired"
    return "open"


@transaction.atomic
def accept(user: Any, token: str) -> Membership:
    """The signed-in ``user`` accepts the invitation: they must be signed in with
    the invited mobile number. Creates (or reactivates) the membership, gives
    the role group and adds them to the organization's members."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise BrandError.INVITATION_WRONG_PHONE.error()
    row = (Invitation.objects.select_for_update().select_related("organization")
           .filter(token_hash=token_hash(token)).first())
    if row is None or row.revoked_at is not None:
        raise BrandError.INVITATION_INVALID.error()
    if row.accepted_at is not None:
        raise BrandError.INVITATION_USED.error()
    now = clock.now()
    if row.expires_at <= now:
        raise BrandError.INVITATION_EXPIRED.error()
    if not user.phone_hash or user.phone_hash != pii.lookup_hash(pii.decrypt(row.phone_enc)):
        raise BrandError.INVITATION_WRONG_PHONE.error()
    org = row.organization
    membership, created = Membership.objects.get_or_create(
        organization=org, user=user, defaults={"role": row.role, "active": True})
    if not created:
        membership.role, membership.active = row.role, True
        membership.save(update_fields=["role", "active"])
    roles.grant(user, row.role)
    org.members.add(user)
    Invitation.objects.filter(pk=row.pk).update(accepted_at=now, accepted_by=user)
    audit.record(user, "brands.invitation_accept", row, organization=org.pk, role=row.role)
    if row.invited_by_id:
        notices.notify([row.invited_by_id], "brands.invitation_accepted",
                       gettext_noop("{name} accepted the invitation to {organization}"),
                       "", name=row.name, organization=org.name)
    return membership


@transaction.atomic
def revoke_invitation(actor: Any, invitation_id: int,
                      organization: Organization | None = None) -> Invitation:
    """Withdraw an open invitation (``organization`` bounds a brand admin's reach)."""
    qs = Invitation.objects.select_for_update().select_related("organization")
    if organization is not None:
        qs = qs.filter(organization=organization)
    row = qs.filter(pk=invitation_id).first()
    if row is None:
        raise BrandError.INVITATION_INVALID.error()
    _require_manager(actor, row.organization)
    if row.accepted_at is not None:
        raise BrandError.INVITATION_USED.error()
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        row.save(update_fields=["revoked_at"])
        audit.record(actor, "brands.invitation_revoke", row,
                     organization=row.organization_id)
    return row


# --------------------------------------------------------------------------- members

@transaction.atomic
def deactivate(actor: Any, membership_id: int,
               organization: Organization | None = None) -> Membership:
    """Deactivate a member: they leave the organization's members and lose the
    role group unless another active membership still needs it."""
    qs = Membership.objects.select_for_update().select_related("organization", "user")
    if organization is not None:
        qs = qs.filter(organization=organization)
    m = qs.filter(pk=membership_id).first()
    if m is None:
        raise BrandError.MEMBER_NOT_FOUND.error()
    _require_manager(actor, m.organization)
    if getattr(actor, "pk", None) == m.user_id:
        raise BrandError.CANNOT_REMOVE_SELF.error()
    if not m.active:
        return m
    m.active = False
    m.save(update_fields=["active"])
    m.organization.members.remove(m.user)
    if not Membership.objects.filter(user=m.user, role=m.role, active=True).exists():
        roles.revoke(m.user, m.role)
    audit.record(actor, "brands.member_deactivate", m, organization=m.organization_id,
                 user=m.user_id, role=m.role)
    return m


@transaction.atomic
def add_member(actor: Any, organization: Organization, user: Any, role: str) -> Membership:
    """Make an existing account a member directly (operators; the demo data and
    tests). People normally join through an invitation."""
    roles.require_role(actor, roles.OPERATOR)
    if role not in ROLES_BY_KIND.get(organization.kind, ()):
        raise BrandError.ROLE_NOT_ALLOWED.error(role=role)
    membership, created = Membership.objects.get_or_create(
        organization=organization, user=user, defaults={"role": role, "active": True})
    if not created and (membership.role != role or not membership.active):
        membership.role, membership.active = role, True
        membership.save(update_fields=["role", "active"])
    roles.grant(user, role)
    organization.members.add(user)
    audit.record(actor, "brands.member_add", membership, organization=organization.pk,
                 user=user.pk, role=role)
    return membership
