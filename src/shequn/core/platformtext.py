"""Notes the platform writes into stored data (a declaration's status, an
outbox discard reason): in the platform's language (settings.LANGUAGE_CODE),
read by every operator as the data it is beside, as customs' own Chinese
return texts are. English source strings through gettext, one language per
note: no inline bilingual glosses."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation


def platform_text(message: Any, **params: Any) -> str:
    """``message`` (an English source string marked for translation, with
    %(name)s fields) in the platform's language, its fields filled from
    ``params``."""
    with translation.override(settings.LANGUAGE_CODE):
        text = translation.gettext(str(message))
    return text % params if params else text
