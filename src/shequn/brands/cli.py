"""``shequn apikey …`` — partner API keys from the console.

    shequn apikey create --org <organization code | platform> --scope <scope> [--scope …] [--name …]
                                 a new key; the key itself is printed on the LAST line
                                 (shown only now: only its hash is kept)
    shequn apikey list [--org <code | platform>] [--all]
                                 keys (prefix, organization, scopes, created, last used);
                                 --all includes revoked keys
    shequn apikey revoke <prefix>
                                 revoke a key by its prefix

The platform key (``--org platform``) belongs to no organization and sees every
organization's data. Exit status: 0 done, 1 refused (unknown organization,
scope or prefix), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

PLATFORM = "platform"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.settings")
    from django.apps import apps

    if not apps.ready:
        import django

        django.setup()


def _org(code: str) -> Any:
    """The organization of ``code`` (None for the platform key); raises
    UNKNOWN_ORGANIZATION."""
    from shequn.brands.errors import BrandError
    from shequn.catalog.models import Organization

    if code == PLATFORM:
        return None
    org = Organization.objects.filter(code=code).first()
    if org is None:
        raise BrandError.UNKNOWN_ORGANIZATION.error(org_code=code)
    return org


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shequn apikey")
    sub = parser.add_subparsers(dest="cmd", required=True)
    create = sub.add_parser("create", help="create a key (printed on the last line)")
    create.add_argument("--org", required=True,
                        help="organization code, or 'platform' for the platform key")
    create.add_argument("--scope", action="append", required=True,
                        help="a scope (repeat for several)")
    create.add_argument("--name", default="", help="a label for the key")
    lst = sub.add_parser("list", help="list keys")
    lst.add_argument("--org", default=None, help="only this organization ('platform' too)")
    lst.add_argument("--all", action="store_true", help="include revoked keys")
    revoke = sub.add_parser("revoke", help="revoke a key by its prefix")
    revoke.add_argument("prefix")
    return parser


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    _setup()
    from shequn.brands import apikeys
    from shequn.brands.models import ApiKey
    from shequn.core.errors import DomainError

    try:
        if args.cmd == "create":
            org = _org(args.org)
            scopes = [s.strip() for raw in args.scope for s in raw.split(",") if s.strip()]
            row, key = apikeys.create_key(org, scopes, name=args.name, actor=None)
            print(f"created key {row.prefix} for {org.code if org else PLATFORM} "
                  f"({org.name if org else 'all organizations'}), scopes: "
                  f"{', '.join(row.scopes)}")
            print("the key is shown only now; store it safely:")
            print(key)
            return 0
        if args.cmd == "list":
            qs = ApiKey.objects.select_related("organization").order_by("created_at", "pk")
            if not args.all:
                qs = qs.filter(revoked_at__isnull=True)
            if args.org is not None:
                org = _org(args.org)
                qs = qs.filter(organization=org) if org else qs.filter(organization__isnull=True)
            for k in qs:
                owner = (k.organization.code or str(k.organization.pk)) if k.organization \
                    else PLATFORM
                used = k.last_used_at.isoformat(timespec="seconds") if k.last_used_at else "-"
                state = "revoked" if k.revoked_at else "active"
                print(f"{k.prefix}\t{owner}\t{','.join(k.scopes)}\t{state}\t"
                      f"created {k.created_at.isoformat(timespec='seconds')}\tused {used}\t"
                      f"{k.name}")
            return 0
        found = ApiKey.objects.filter(prefix=args.prefix.strip()).first()
        if found is None:
            print(f"no key with prefix {args.prefix}", file=sys.stderr)
            return 1
        if apikeys.revoke(found, None):
            print(f"revoked {found.prefix}")
        else:
            print(f"{found.prefix} was already revoked")
        return 0
    except DomainError as exc:
        print(f"{exc.code}: {exc.message_en}", file=sys.stderr)
        return 1
