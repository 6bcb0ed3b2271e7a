"""``shequn secrets generate``: a complete env file for staging or production.

    shequn secrets generate --env staging|production [--key-dir DIR] [--force]

Prints ``KEY=value`` lines with fresh random secrets (Django's secret key, the
personal-data key, tokens) to standard output. Staging also gets a fresh
customs signing key and certificate written into ``--key-dir`` (default
``./shequn-keys``); production names the E-port certificate's files and puts
the placeholder CHANGE-ME where only the operator knows the value (host names,
service passwords, real adapters) — the settings refuse to start until each is
replaced. Nothing here needs Django or a database.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shequn.core import envconfig


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="shequn secrets", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="print a complete env file with fresh secrets")
    g.add_argument("--env", required=True, choices=["staging", "production"])
    g.add_argument("--key-dir", default="shequn-keys",
                   help="where staging's customs signing key is written (default ./shequn-keys)")
    g.add_argument("--force", action="store_true",
                   help="replace a signing key already in --key-dir")
    return p


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.env == "production":
        key_file = f"/etc/shequn/{envconfig.PLACEHOLDER}-eport-sign.key"
        cert_file = f"/etc/shequn/{envconfig.PLACEHOLDER}-eport-sign.crt"
    else:
        from shequn.customs.ceb.signing import generate_demo_keypair

        directory = Path(args.key_dir).resolve()
        key, cert = directory / "ceb-sign.key", directory / "ceb-sign.crt"
        if args.force or not (key.exists() and cert.exists()):
            key, cert = generate_demo_keypair(directory, common_name="Shequn CEB staging")
            print(f"shequn secrets: wrote a signing key and certificate to {directory}",
                  file=sys.stderr)
        key_file, cert_file = str(key), str(cert)
    sys.stdout.write(envconfig.generate(args.env, key_file, cert_file))
    return 0
