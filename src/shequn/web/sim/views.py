"""Simulator pages: the SMS simulator's inbox (staff in staging)."""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from shequn.accounts.phones import normalize_phone
from shequn.accounts.sms import SimulatedSms
from shequn.core.errors import DomainError
from shequn.core.pii import mask_phone
from shequn.web.sim.gate import simulator_page


@never_cache
@simulator_page
@require_http_methods(["GET", "POST"])
def sms_inbox(request: HttpRequest) -> HttpResponse:
    """The latest simulated messages (phones masked). Looking one phone up is
    a POST, so the full number stays out of URLs and access logs."""
    found: dict[str, str] | None = None
    error = None
    if request.method == "POST":
        try:
            phone = normalize_phone(request.POST.get("phone", ""))
        except DomainError as err:
            error = err
        else:
            found = {"to": mask_phone(phone), "text": SimulatedSms.last_message(phone) or "",
                     "code": SimulatedSms.last_code(phone) or ""}
    # Sent-at is kept as ISO text in the cache; shown as a date in the site's
    # time zone (the raw string read in UTC, microseconds and all).
    sent = [{**m, "at": _parsed(m.get("at", ""))} for m in SimulatedSms.inbox()]
    return render(request, "sim/sms_inbox.html",
                  {"messages_sent": sent, "found": found, "error": error})


def _parsed(at: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(at)
    except ValueError:
        return None
