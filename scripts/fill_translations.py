"""Fill zh_Hans msgstr entries from JSON files of translations.

    python scripts/fill_translations.py src/shequn/locale translations/*.json

Each JSON file maps an English msgid to its Chinese text; an entry with a
context (pgettext / {% translate … context "…" %}) is keyed "context\\u0004msgid".
Only empty or fuzzy entries are filled, so a translator's work is never
overwritten. Run `make messages` afterwards to compile and check."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib


def main(locale_dir: str, *json_files: str) -> int:
    table: dict[str, str] = {}
    for name in json_files:
        table.update(json.loads(Path(name).read_text(encoding="utf-8")))
    po_path = Path(locale_dir) / "zh_Hans" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(po_path))
    filled = 0
    for entry in po:
        key = f"{entry.msgctxt}\u0004{entry.msgid}" if entry.msgctxt else entry.msgid
        text = table.get(key) or (table.get(entry.msgid) if not entry.msgctxt else None)
        if text is None:
            continue
        if entry.msgstr and "fuzzy" not in entry.flags:
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: text}
        else:
            entry.msgstr = text
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        filled += 1
    po.save()
    print(f"filled {filled} entries in {po_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
