"""The leader console's notices (/leader/notices/): the leader's own notices
(a product they list paused, …), marked read one by one or all at once."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from shequn.web import notices as notices_page
from shequn.web.leader.views import leader_only


@require_http_methods(["GET", "POST"])
@leader_only
def notices(request: HttpRequest) -> HttpResponse:
    return notices_page.page(request, "leader/notices.html", nav="notices")
