"""``shequn`` console command.

    shequn tax quote FILE|-        CBEC tax quote (pure; no database)
    shequn customs validate FILE…  check CEB messages against the XSD and business rules
    shequn customs-sim ...         the customs single-window simulator as its own process
    shequn worker ...              Celery worker + outbox relay (production runtime)
    shequn commission ...          settle now, quarterly income report, ledger check
    shequn secrets generate ...    a complete env file with fresh secrets (staging/production)
    shequn apikey create|list|revoke partner API keys (the new key on the last line)
    shequn wechatpay verify-notification --headers H.json --body B   check a WeChat Pay notification
    shequn sms-fake --port 8025    a fake Alibaba Cloud SMS endpoint (staging, tests)
    shequn <django command> ...    any Django management command (migrate, seed_demo, ...)

Each sub-command lives in its domain as ``<module>.main(argv) -> int``; this file
only dispatches, so domains add commands without touching each other.
"""

from __future__ import annotations

import importlib
import os
import sys

SUBCOMMANDS: dict[str, str] = {
    "tax": "shequn.taxes.cli",
    "customs": "shequn.customs.cli",
    "customs-sim": "shequn.customs.sim.cli",
    "commission": "shequn.commission.cli",
    "worker": "shequn.core.worker_cli",
    "secrets": "shequn.secrets_cli",
    "apikey": "shequn.brands.cli",
    "wechatpay": "shequn.payments.wechatpay.cli",
    "sms-fake": "shequn.accounts.smsfake",
}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    from shequn.core.envconfig import ConfigurationRefused

    module = SUBCOMMANDS.get(args[0]) if args else None
    try:
        if module is not None:
            entry = importlib.import_module(module).main
            return int(entry(args[1:]))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.settings")
        from django.core.management import execute_from_command_line

        execute_from_command_line(["shequn", *args])
    except ConfigurationRefused as refused:
        # One line per problem, without a traceback: this is the operator's to fix.
        print(refused, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
