"""Step of `make messages` after makemessages: give each catalogue a valid header
(makemessages leaves it fuzzy, so msgfmt would drop its Plural-Forms), give every
English entry its msgid as translation (the msgids are English), and sort the
entries by msgid so that two branches adding strings rarely touch the same lines.

    python scripts/tidy_catalogues.py [LOCALE_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[1] / "src" / "shequn" / "locale"
PLURAL_FORMS = {"zh_Hans": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}


def tidy(locale: Path, language: str) -> None:
    path = locale / language / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(path), wrapwidth=0)
    po.header = ("Shequn interface text. Source strings are English; "
                 "regenerate with `make messages`.")
    po.metadata_is_fuzzy = False
    po.metadata.update({"Project-Id-Version": "shequn", "Language": language,
                        "Content-Type": "text/plain; charset=UTF-8",
                        "Plural-Forms": PLURAL_FORMS[language]})
    for key in ("POT-Creation-Date", "PO-Revision-Date", "Last-Translator", "Language-Team",
                "Report-Msgid-Bugs-To"):
        po.metadata.pop(key, None)  # change on every run: merge conflicts for nothing
    for entry in po:
        if language == "en":
            if entry.msgid_plural:
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            else:
                entry.msgstr = entry.msgid
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    po[:] = sorted(po, key=lambda e: (e.msgid.lower(), e.msgid, e.msgctxt or ""))
    po.save(str(path))


def main(argv: list[str]) -> int:
    locale = Path(argv[0]) if argv else LOCALE
    for language in PLURAL_FORMS:
        tidy(locale, language)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
