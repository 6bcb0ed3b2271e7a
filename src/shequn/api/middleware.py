"""Request-level guards of the API (paths under ``/api/`` only).

Listed in settings.MIDDLEWARE after CommonMiddleware and before
CsrfViewMiddleware, so a refused request is answered before anything reads
its body (the CSRF check reads a form body, and a ``multipart/form-data``
body without a boundary makes that raise):

* a declared body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` → 413;
* a form or multipart body with any field in it, or multipart without a
  boundary → 415, except a multipart body (with its boundary) posted to an
  operation that takes a file (``UPLOAD_OPERATIONS``);
* a NUL character in the path or the query string (no column can hold it) → 400;
* Django's own 404 and 405 answers under ``/api/`` (unknown path, wrong
  method) are rewritten as JSON with a code, like every other API error.

Every refusal is ``{"code", "message", "message_en"}``."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve

from shequn.api.errors import ApiError
from shequn.core.errors import DomainError
from shequn.core.httpinput import has_nul

PREFIX = "/api/"
_BOUNDARY_RE = re.compile(r"boundary=(\"[^\"]+\"|[^;\s]+)", re.IGNORECASE)
FORM_TYPES = ("multipart/", "application/x-www-form-urlencoded")
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# The operations (URL names) whose body is a multipart form with a file; every
# other operation takes JSON only.
UPLOAD_OPERATIONS = {"api:partner_grant_create_multipart"}


def refusal(err: DomainError) -> JsonResponse:
    return JsonResponse(err.as_dict(), status=err.status,
                        json_dumps_params={"ensure_ascii": False})


def _declared_length(request: HttpRequest) -> int | None:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    try:
        n = int(raw)
    except ValueError:
        return None
    return n if n >= 0 else None


def check(request: HttpRequest) -> DomainError | None:
    """The refusal of a request under /api/, or None to let it through."""
    if has_nul(request):
        return ApiError.BAD_CHARACTERS.error()
    length = _declared_length(request)
    if length is None:
        return ApiError.BAD_REQUEST.error(reason="Content-Length")
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and length > limit:
        return ApiError.TOO_LARGE.error(limit=limit)
    if request.method in BODY_METHODS:
        ctype = request.META.get("CONTENT_TYPE", "").strip().lower()
        if (ctype.startswith(FORM_TYPES) and not _empty_form(request, ctype, length)
                and not _upload(request, ctype)):
            return ApiError.UNSUPPORTED_MEDIA.error()
    return None


def _upload(request: HttpRequest, ctype: str) -> bool:
    """A multipart body with its boundary, to an operation that takes a file."""
    if not ctype.startswith("multipart/form-data"):
        return False
    if _BOUNDARY_RE.search(request.META.get("CONTENT_TYPE", "")) is None:
        return False
    try:
        return resolve(request.path_info).view_name in UPLOAD_OPERATIONS
    except Resolver404:
        return False


def _empty_form(request: HttpRequest, ctype: str, length: int) -> bool:
    """An empty form is what many clients send with a POST that has no body (the
    cancel and ops actions): harmless, let through. A multipart type without a
    boundary, or a form with any field in it, is not."""
    if not ctype.startswith("multipart/"):
        return length == 0
    boundary = _BOUNDARY_RE.search(request.META.get("CONTENT_TYPE", ""))
    if boundary is None:
        return False
    if length == 0:
        return True
    if length > 256:
        return False
    marker = "--" + boundary.group(1).strip('"') + "--"
    return request.body.strip() == marker.encode("latin-1")


def _as_json(response: HttpResponse) -> HttpResponse:
    """Django's HTML 404/405 under /api/ as JSON (ninja's own answers are JSON already)."""
    if response.status_code not in (404, 405):
        return response
    if response.get("Content-Type", "").startswith("application/json"):
        return response
    err = (ApiError.NOT_FOUND if response.status_code == 404
           else ApiError.METHOD_NOT_ALLOWED).error()
    out = refusal(err)
    if response.has_header("Allow"):
        out["Allow"] = response["Allow"]
    return out


class ApiGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        err = check(request)
        if err is not None:
            return refusal(err)
        return _as_json(self.get_response(request))
