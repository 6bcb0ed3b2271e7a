"""``manage.py seed_demo``: load the deterministic demo data and print where to go."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shequn.demo import seeding as demo


def _local_url(port: int | None) -> str:
    """The demo server's address (`make demo PORT=…` passes --port)."""
    if port is None:
        raw = os.environ.get("SHEQUN_DEMO_PORT", "8000")
        try:
            port = int(raw)
        except ValueError:
            raise CommandError(f"SHEQUN_DEMO_PORT must be a port number, not {raw!r}") from None
    if not 0 < port < 65536:
        raise CommandError(f"port {port} is not between 1 and 65535")
    return f"http://127.0.0.1:{port}"


class Command(BaseCommand):
    help = "创建演示数据（可重复运行） Create the demo data (safe to run again)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=None,
                            help="Port of the local demo server in the printed links "
                                 "(default: SHEQUN_DEMO_PORT, else 8000).")
        parser.add_argument("--base-url", default=None,
                            help="Base URL used in the printed links (overrides --port).")
        parser.add_argument("--staff-password", default=None,
                            help="Password of every demo staff, leader and brand login "
                                 "(required in staging, at least 12 characters).")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SHEQUN_ENV == "production":
            # Demo staff accounts have published passwords.
            raise CommandError("seed_demo is refused in production (published demo passwords)")
        password = options["staff_password"]
        if settings.SHEQUN_ENV != "demo" and not password:
            # Staging is reachable by others: the demo passwords are published in the README.
            raise CommandError("seed_demo in staging needs --staff-password (at least 12 "
                               "characters): the demo passwords are published")
        if password is not None and len(password) < 12:
            raise CommandError("--staff-password must be at least 12 characters")
        base_url = options["base_url"] or _local_url(options["port"])
        data = demo.seed(stdout=self.stdout, staff_password=password)
        self.stdout.write(demo.summary(
            data, base_url=base_url.rstrip("/"), staff_password=password,
            code_where="login" if settings.SHEQUN_ENV == "demo" else "inbox"))
