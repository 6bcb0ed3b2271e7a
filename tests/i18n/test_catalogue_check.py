"""scripts/check_catalogues.py, the completeness check `make test` runs: it passes
on the committed catalogues and fails on each kind of gap."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_catalogues.py"
LOCALE = ROOT / "src" / "shequn" / "locale"

_spec = importlib.util.spec_from_file_location("check_catalogues", SCRIPT)
assert _spec and _spec.loader
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)


def _po(locale: Path, language: str) -> Path:
    return locale / language / "LC_MESSAGES" / "django.po"


@pytest.fixture
def locale(tmp_path: Path) -> Path:
    """A copy of the committed catalogues to spoil."""
    return Path(shutil.copytree(LOCALE, tmp_path / "locale"))


def _compile(locale: Path) -> None:
    for language in check.LANGUAGES:
        po = polib.pofile(str(_po(locale, language)))
        po.save_as_mofile(str(_po(locale, language).with_suffix(".mo")))


def test_the_committed_catalogues_are_complete_and_match_the_sources() -> None:
    proc = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_an_untranslated_entry_fails_the_check(locale: Path) -> None:
    po = polib.pofile(str(_po(locale, "zh_Hans")))
    entry = po.find("Shequn")
    assert entry is not None and entry.msgstr
    entry.msgstr = ""
    po.save()
    _compile(locale)
    assert check.problems(ROOT / "src" / "shequn", locale, check_sources=False) == [
        "zh_Hans: untranslated 'Shequn'"]
    proc = subprocess.run([sys.executable, str(SCRIPT), "--locale", str(locale)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 1 and "zh_Hans: untranslated 'Shequn'" in proc.stdout


def test_a_fuzzy_entry_fails_the_check(locale: Path) -> None:
    po = polib.pofile(str(_po(locale, "en")))
    entry = po.find("Shequn")
    assert entry is not None
    entry.flags.append("fuzzy")
    po.save()
    _compile(locale)
    assert check.catalogue_problems(locale, "en") == ["en: fuzzy 'Shequn'"]


def test_a_mo_file_older_than_its_po_fails_the_check(locale: Path) -> None:
    po = polib.pofile(str(_po(locale, "zh_Hans")))
    entry = po.find("Shequn")
    assert entry is not None
    entry.msgstr = "社群团购"
    po.save()  # and no compilemessages
    assert check.catalogue_problems(locale, "zh_Hans") == [
        "zh_Hans: django.mo does not match django.po (run compilemessages: `make messages`)"]


def test_a_placeholder_lost_in_translation_fails_the_check(tmp_path: Path) -> None:
    locale = tmp_path / "locale"
    for language, msgstr in (("zh_Hans", "共 %(count)s 件"), ("en", "%(n)s items")):
        po = polib.POFile()
        po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
        po.append(polib.POEntry(msgid="%(count)s items", msgstr=msgstr,
                                flags=["python-format"]))
        _po(locale, language).parent.mkdir(parents=True)
        po.save(str(_po(locale, language)))
        po.save_as_mofile(str(_po(locale, language).with_suffix(".mo")))
    assert check.catalogue_problems(locale, "zh_Hans") == []
    assert any("msgfmt" in p for p in check.catalogue_problems(locale, "en"))


def test_msgids_of_the_sources_missing_from_the_catalogue_or_gone_from_them_fail(
        tmp_path: Path) -> None:
    source = tmp_path / "shequn"
    (source / "templates").mkdir(parents=True)
    (source / "templates" / "page.html").write_text(
        '{% load i18n %}<p>{% translate "Orders" %}</p><p>{% translate "Brand new" %}</p>',
        encoding="utf-8")
    (source / "labels.py").write_text(
        "from django.utils.translation import pgettext_lazy\n"
        'LABEL = pgettext_lazy("order state", "Shipped")\n', encoding="utf-8")
    locale = tmp_path / "locale"
    for language in check.LANGUAGES:
        po = polib.POFile()
        po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
        for msgid in ("Orders", "Retired"):
            po.append(polib.POEntry(msgid=msgid, msgstr=msgid))
        po.append(polib.POEntry(msgctxt="order state", msgid="Shipped", msgstr="Shipped"))
        _po(locale, language).parent.mkdir(parents=True)
        po.save(str(_po(locale, language)))
    wanted = check.source_msgids(source)
    assert wanted == {(None, "Orders", ""), (None, "Brand new", ""),
                      ("order state", "Shipped", "")}
    assert check.sync_problems(source, locale, "zh_Hans", wanted) == [
        "zh_Hans: not in the catalogue (run `make messages`): 'Brand new'",
        "zh_Hans: no longer in the sources (run `make messages`): 'Retired'"]


def test_tidy_gives_english_its_msgids_a_valid_header_and_sorted_entries(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("tidy_catalogues",
                                                  ROOT / "scripts" / "tidy_catalogues.py")
    assert spec and spec.loader
    tidy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tidy)
    locale = tmp_path / "locale"
    for language in check.LANGUAGES:
        po = polib.POFile()
        po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
        po.metadata_is_fuzzy = True  # as makemessages leaves it
        po.append(polib.POEntry(msgid="Zebra", msgstr=""))
        po.append(polib.POEntry(msgid="%(n)s order", msgid_plural="%(n)s orders",
                                msgstr_plural={0: "", 1: ""}))
        po.append(polib.POEntry(msgid="apple", msgstr="old", flags=["fuzzy"]))
        _po(locale, language).parent.mkdir(parents=True)
        po.save(str(_po(locale, language)))
    tidy.main([str(locale)])
    en = polib.pofile(str(_po(locale, "en")))
    assert not en.metadata_is_fuzzy and en.metadata["Language"] == "en"
    assert [e.msgid for e in en] == ["%(n)s order", "apple", "Zebra"]
    assert en.find("apple").msgstr == "apple" and "fuzzy" not in en.find("apple").flags
    assert en.find("%(n)s order").msgstr_plural == {0: "%(n)s order", 1: "%(n)s orders"}
    zh = polib.pofile(str(_po(locale, "zh_Hans")))
    assert zh.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    assert zh.find("Zebra").msgstr == ""  # Chinese is translated by people
