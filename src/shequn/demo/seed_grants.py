"""Demo authorization chains (brands.grants): each demo brand authorizes one
importer (an e-commerce enterprise created here), which authorizes the seller
of record: brand → 宁波保税进口贸易有限公司 → seller. All grants are active
(created and approved through the services, with a small PDF as the
authorization document); the last brand's importer → seller grant ends within
five days, so the consoles show an expiry coming (and, once it passes, the
expiry job pauses that brand's goods). Idempotent: existing grants are kept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction

from shequn.brands import chain, grants
from shequn.brands.models import Grant
from shequn.catalog.models import Organization, Product
from shequn.demo.base import DemoData

IMPORTER_NAME = "宁波保税进口贸易有限公司"
IMPORTER_NAME_EN = "Ningbo Bonded Import Trading Co., Ltd."
IMPORTER_CODE = "nb-bonded-import"
EXPIRING_IN_DAYS = 4


def _document(grantor: Organization, grantee: Organization, brand: Organization) -> bytes:
    """A one-page PDF naming the parties (ASCII names; the demo's stand-in for a
    stamped 授权书)."""
    text = (f"Authorization {brand.name_en or brand.pk}: "
            f"{grantor.name_en or grantor.pk} -> {grantee.name_en or grantee.pk}, "
            "cross-border retail, no territorial restriction.")
    text = text.encode("ascii", "replace").decode().replace("(", "[").replace(")", "]")
    stream = f"BT /F1 10 Tf 40 780 Td ({text}) Tj ET".encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, xref)
    return bytes(out)


def _importer() -> Organization:
    org, _ = Organization.objects.update_or_create(
        kind=Organization.Kind.EBC, name=IMPORTER_NAME,
        defaults={"name_en": IMPORTER_NAME_EN, "customs_code": "3302960NBI", "country": "142"})
    if org.code is None and not Organization.objects.filter(code=IMPORTER_CODE).exists():
        Organization.objects.filter(pk=org.pk).update(code=IMPORTER_CODE)
    return org


def _grant(data: DemoData, brand: Organization, grantor: Organization, grantee: Organization,
           valid_from: dt.date, valid_to: dt.date) -> tuple[Grant, bool]:
    existing = (Grant.objects.filter(brand=brand, grantor=grantor, grantee=grantee)
                .exclude(status__in=(Grant.Status.REJECTED, Grant.Status.REVOKED))
                .order_by("-pk").first())
    if existing is not None:
        return existing, False
    grant = grants.create_grant(
        data.operator, grantor=grantor, grantee=grantee, brand=brand, valid_from=valid_from,
        valid_to=valid_to, document=_document(grantor, grantee, brand),
        document_name=f"authorization-{brand.pk}-{grantee.pk}.pdf", note="demo")
    return grants.approve(grant.pk, data.operator, "演示数据 demo data"), True


@transaction.atomic
def seed(data: DemoData, say: Callable[[str], None]) -> None:
    importer = _importer()
    today = chain.today()
    start = today - dt.timedelta(days=30)
    made = 0
    keys = list(data.brands)
    for i, key in enumerate(keys):
        brand = data.brands[key]
        _, new1 = _grant(data, brand, brand, importer, start, today + dt.timedelta(days=365))
        last = today + (dt.timedelta(days=EXPIRING_IN_DAYS) if i == len(keys) - 1
                        else dt.timedelta(days=365))
        _, new2 = _grant(data, brand, importer, data.seller, start, last)
        made += new1 + new2
    chain.recompute_for_products(
        Product.objects.filter(brand__in=list(data.brands.values())).values_list("pk", flat=True))
    expiring = keys[-1] if keys else "-"
    say(f"授权链就绪 Authorization chains ready: {len(keys)} brands → {IMPORTER_NAME} → "
        f"{data.seller.name}, {made} new grants; {expiring}'s importer grant ends in "
        f"{EXPIRING_IN_DAYS} days.")
