"""``manage.py seed_demo``: load the deterministic demo data and print where to go."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shequn.core import demo


class Command(BaseCommand):
    help = "创建演示数据（可重复运行） Create the demo data (safe to run again)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--base-url", default=demo.BASE_URL,
                            help="Base URL used in the printed links.")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SHEQUN_ENV == "production":
            # Demo staff accounts have published passwords.
            raise CommandError("seed_demo is refused in production (published demo passwords)")
        data = demo.seed(stdout=self.stdout)
        self.stdout.write(demo.summary(data, base_url=options["base_url"].rstrip("/")))
