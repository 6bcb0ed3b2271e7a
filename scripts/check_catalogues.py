"""Fail when a translation catalogue is incomplete or out of date (issue 9).

Checks src/shequn/locale/{zh_Hans,en}/LC_MESSAGES/django.po:
  - no untranslated and no fuzzy entry, and `msgfmt --check` accepts the file
    (placeholders such as %(name)s agree between msgid and msgstr);
  - the committed .mo says what the .po says (someone ran compilemessages);
  - every msgid of the sources is in the catalogue and the catalogue holds no msgid
    the sources no longer use: `makemessages` is run on a copy of the sources in a
    temporary directory and its msgids are compared with the committed ones.

Run by `make test` before pytest and by `make messages` after it regenerates the
catalogues. Exit status 1 with one line per problem; 0 when all is well.

    python scripts/check_catalogues.py [--source DIR] [--locale DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "shequn"
LANGUAGES = ("zh_Hans", "en")
# What makemessages reads for the "django" domain; the rest of the tree (static
# files, XSDs, compiled catalogues) is not copied.
SOURCE_SUFFIXES = {".py", ".html", ".txt"}

Key = tuple[str | None, str, str]  # (msgctxt, msgid, msgid_plural)


def _key(entry: polib.POEntry | polib.MOEntry) -> Key:
    return (entry.msgctxt or None, entry.msgid, entry.msgid_plural or "")


def _catalogue(locale: Path, language: str) -> polib.POFile:
    return polib.pofile(str(locale / language / "LC_MESSAGES" / "django.po"), wrapwidth=0)


def _live(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete and e.msgid]


def _label(entry: polib.POEntry) -> str:
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return context + repr(entry.msgid[:80])


def catalogue_problems(locale: Path, language: str) -> list[str]:
    """Untranslated, fuzzy or malformed entries, and a stale .mo, of one language."""
    po_path = locale / language / "LC_MESSAGES" / "django.po"
    if not po_path.is_file():
        return [f"{language}: {po_path} is missing"]
    po = _catalogue(locale, language)
    out = []
    for entry in _live(po):
        if "fuzzy" in entry.flags:
            out.append(f"{language}: fuzzy {_label(entry)}")
        elif not entry.translated():
            out.append(f"{language}: untranslated {_label(entry)}")
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return [*out, "msgfmt is not installed (GNU gettext, which makemessages needs too)"]
    check = subprocess.run([msgfmt, "--check", "-o", os.devnull, str(po_path)],  # noqa: S603
                           capture_output=True, text=True)
    if check.returncode:
        out.extend(f"{language}: msgfmt: {line}" for line in check.stderr.splitlines()
                   if line.strip())
    out.extend(_stale_mo(po, po_path.with_suffix(".mo"), language))
    return out


def _translation(entry: polib.POEntry | polib.MOEntry) -> tuple[str, dict[int, str]]:
    return entry.msgstr, {int(k): v for k, v in entry.msgstr_plural.items()}


def _stale_mo(po: polib.POFile, mo_path: Path, language: str) -> list[str]:
    if not mo_path.is_file():
        return [f"{language}: {mo_path.name} is missing (run `make messages`)"]
    compiled = {_key(e): _translation(e) for e in polib.mofile(str(mo_path)) if e.msgid}
    # msgfmt leaves untranslated and fuzzy entries out of the .mo.
    wanted = {_key(e): _translation(e) for e in _live(po)
              if e.translated() and "fuzzy" not in e.flags}
    if compiled != wanted:
        return [f"{language}: {mo_path.name} does not match {mo_path.stem}.po "
                "(run compilemessages: `make messages`)"]
    return []


def source_msgids(source: Path) -> set[Key]:
    """The msgids makemessages extracts from ``source``: run on a copy, so the
    checkout is not touched, with LOCALE_PATHS pointed at a scratch directory."""
    import django
    from django.conf import settings
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.settings")
    django.setup()
    with tempfile.TemporaryDirectory() as scratch:
        tree = Path(scratch) / "src"
        shutil.copytree(source, tree, ignore=lambda d, names: [
            n for n in names if n in ("__pycache__", "locale", "static", "node_modules")
            or (Path(d, n).is_file() and Path(n).suffix not in SOURCE_SUFFIXES)])
        locale = Path(scratch) / "locale"
        (locale / "en" / "LC_MESSAGES").mkdir(parents=True)
        settings.LOCALE_PATHS = [str(locale)]
        here = Path.cwd()
        os.chdir(tree)
        try:
            call_command("makemessages", locale=["en"], no_obsolete=True, no_location=True,
                         verbosity=0)
        finally:
            os.chdir(here)
        return {_key(e) for e in _live(_catalogue(locale, "en"))}


def sync_problems(source: Path, locale: Path, language: str, wanted: set[Key]) -> list[str]:
    path = locale / language / "LC_MESSAGES" / "django.po"
    if not path.is_file():
        return []
    have = {_key(e) for e in _live(_catalogue(locale, language))}
    out = [f"{language}: not in the catalogue (run `make messages`): {k[1][:80]!r}"
           for k in sorted(wanted - have, key=str)]
    out += [f"{language}: no longer in the sources (run `make messages`): {k[1][:80]!r}"
            for k in sorted(have - wanted, key=str)]
    return out


def problems(source: Path, locale: Path, check_sources: bool = True) -> list[str]:
    out: list[str] = []
    for language in LANGUAGES:
        out.extend(catalogue_problems(locale, language))
    if check_sources:
        wanted = source_msgids(source)
        for language in LANGUAGES:
            out.extend(sync_problems(source, locale, language, wanted))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE,
                        help="the package whose templates and modules are scanned")
    parser.add_argument("--locale", type=Path, default=None,
                        help="the catalogues' directory (default: SOURCE/locale)")
    args = parser.parse_args(argv)
    locale = args.locale or args.source / "locale"
    found = problems(args.source, locale)
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} catalogue problem(s) in {locale}", file=sys.stderr)
        return 1
    print(f"catalogues complete: {', '.join(LANGUAGES)} in {locale}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
