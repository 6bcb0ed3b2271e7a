"""``shequn`` console command.

    shequn tax quote FILE|-      CBEC tax quote (pure; no database)
    shequn <django command> ...  any Django management command (migrate, seed_demo, ...)
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["tax"]:
        from shequn.taxes.cli import main as tax_main

        return tax_main(args[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shequn", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
