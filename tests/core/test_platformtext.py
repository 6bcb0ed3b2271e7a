"""Notes the platform writes into data are in the platform's language, once."""

from __future__ import annotations

from django.utils import translation

from shequn.core.platformtext import platform_text


def test_a_note_is_written_in_the_platforms_language_whatever_the_requests():
    with translation.override("en"):
        note = platform_text("Cancellation refused by customs: %(reason)s", reason="[Code:2101]")
    assert note.startswith("海关拒绝撤单") and note.endswith("[Code:2101]")
    assert "Cancellation" not in note  # no inline English gloss
