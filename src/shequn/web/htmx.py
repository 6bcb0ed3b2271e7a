"""Typing for requests that passed django-htmx's middleware (as its docs advise):
the middleware sets ``request.htmx``, which Django's HttpRequest does not declare."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """Annotation only: views receive a plain HttpRequest carrying ``htmx``."""

    htmx: HtmxDetails
