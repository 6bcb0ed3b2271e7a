"""Who may open a simulator's page (ARCHITECTURE §5).

demo: everybody (the demo buyer pays on the payment simulator and reads the
SMS code on the sign-in page). staging: staff only, so a buyer cannot mark
their own order paid. production: the pages are not mounted at all
(``settings.SHEQUN["SIMULATORS_MOUNTED"]``) and the start is refused while a
port is a simulator."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequn.accounts.roles import OPERATOR, forbidden_response, has_role


def is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active
                and (user.is_staff or has_role(user, OPERATOR)))


def simulator_page(view: Callable[..., HttpResponse],
                   refused: str = "") -> Callable[..., HttpResponse]:
    """``refused``: a template telling a signed-in non-staff user what to do
    instead (the buyer sent to the payment simulator), still with a 403."""
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if settings.SHEQUN_ENV != "demo":
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), "/login/")
            if not is_staff(request.user):
                if refused:
                    return render(request, refused, {"link": request.build_absolute_uri()},
                                  status=403)
                return forbidden_response(request, "staff")
        return view(request, *args, **kwargs)

    return wrapped
