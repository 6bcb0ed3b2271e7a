"""The EPCIS 2.0 REST binding at /epcis/ (epcis-rest-openapi.yaml): capture
(202 + Location of a capture job), capture jobs, event queries with the
standard parameters and keyset pagination (Link header), events of one EPC,
event types. Authenticated by organization API keys with the ``epcis`` scope;
errors are RFC 7807 problem details (``application/problem+json``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

from shequn.api.errors import ApiError
from shequn.brands import apikeys
from shequn.catalog.models import Organization
from shequn.core import ratelimit
from shequn.core.errors import DomainError
from shequn.core.httpinput import has_nul
from shequn.trace.epcis import capture, jobs, query
from shequn.trace.epcis.errors import EpcisError, problem_type
from shequn.trace.models import CaptureJob

HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0",
           "GS1-EPCIS-Capture-Limit": str(capture.MAX_EVENTS),
           "GS1-EPCIS-Capture-File-Size-Limit": str(capture.MAX_BYTES)}
READ_CHUNK = 256 * 1024
# What capture reads: the binding's JSON, and JSON-LD (what EPCIS documents are).
CAPTURE_TYPES = ("application/json", "application/ld+json")
# The binding's GS1-Capture-Error-Behaviour values (all are run as rollback).
CAPTURE_BEHAVIOURS = ("rollback", "proceed", "all")


def problem(err: DomainError) -> HttpResponse:
    """RFC 7807 problem details: ``type`` one of the binding's exception types,
    ``detail`` a string (the binding's schema); Shequn's machine-readable
    ``code``, ``message`` / ``message_en`` and the error's particulars (the
    limit, the parameter, the schema errors…) as extension members."""
    body: dict[str, Any] = {"type": problem_type(err.code, err.status),
                            "title": err.message_en, "status": err.status,
                            "detail": err.message, "code": err.code,
                            "message": err.message, "message_en": err.message_en}
    for k, v in err.detail.items():
        body.setdefault(k, v)
    response = HttpResponse(json.dumps(body, ensure_ascii=False, default=str),
                            status=err.status, content_type="application/problem+json")
    for k, v in HEADERS.items():
        response[k] = v
    return response


def _key(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("X-Api-Key", "")


View = Callable[..., HttpResponse]


READ_SCOPES, WRITE_SCOPES = ("epcis", "epcis_read"), ("epcis",)
# What the answers are written in: JSON (JSON-LD), EPCIS 2.0.0 and CBV 2.0.0.
ANSWER_TYPES = ("application/json", "application/ld+json")
VERSION = (2, 0, 0)
VERSION_RANGES = (("GS1-EPCIS-Min", "GS1-EPCIS-Max"), ("GS1-CBV-Min", "GS1-CBV-Max"))


def _version(text: str) -> tuple[int, ...] | None:
    """"2.0" as (2, 0, 0): a version named to fewer places is that version."""
    try:
        parts = [int(part) for part in text.strip().split(".")]
    except ValueError:
        return None
    return tuple(parts + [0] * (3 - len(parts)))


def _acceptable(request: HttpRequest) -> bool:
    """The client's Accept and its GS1-EPCIS-/GS1-CBV- Min and Max headers
    admit what this repository answers (the binding's 406 otherwise)."""
    if request.headers.get("Accept") and not any(request.accepts(t) for t in ANSWER_TYPES):
        return False
    for low_name, high_name in VERSION_RANGES:
        low, high = request.headers.get(low_name), request.headers.get(high_name)
        if low is not None and not ((v := _version(low)) is not None and v <= VERSION):
            return False
        if high is not None and not ((v := _version(high)) is not None and v >= VERSION):
            return False
    return True


def epcis_endpoint(methods: tuple[str, ...], discovery: dict[str, str] | None = None
                   ) -> Callable[[View], View]:
    """API-key authentication and problem details for every error. Reading
    (GET, HEAD, OPTIONS) takes a key with scope epcis or epcis_read; capturing
    (POST), scope epcis. HEAD is answered as GET (the server sends no body)
    and OPTIONS is the binding's discovery: 204, the methods in ``Allow``, the
    versions and limits in the GS1 headers, and ``discovery``'s own."""
    allowed = (*methods, *(("HEAD",) if "GET" in methods else ()), "OPTIONS")

    def decorate(view: View) -> View:
        @csrf_exempt
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                response = problem(ApiError.METHOD_NOT_ALLOWED.error())
                response["Allow"] = ", ".join(allowed)
                return response
            # /epcis/ is not under /api/, whose middleware refuses it there.
            if has_nul(request):
                return problem(ApiError.BAD_CHARACTERS.error())
            scopes = WRITE_SCOPES if request.method == "POST" else READ_SCOPES
            try:
                key = apikeys.verify(_key(request), scopes)
                if not _acceptable(request):
                    raise EpcisError.NOT_ACCEPTABLE.error()
                if request.method == "OPTIONS":
                    response = HttpResponse(status=204)
                    response["Allow"] = ", ".join(allowed)
                    for k, v in (discovery or {}).items():
                        response[k] = v
                else:
                    response = view(request, key.organization, *args, **kwargs)
            except DomainError as err:
                return problem(err)
            for k, v in HEADERS.items():
                response[k] = v
            return response

        return wrapped

    return decorate


def _json(body: Any, status: int = 200, safe: bool = True) -> JsonResponse:
    return JsonResponse(body, status=status, safe=safe,
                        json_dumps_params={"ensure_ascii": False})


def capture_body(request: HttpRequest, limit: int) -> bytes:
    """The captured document, read from the request stream within the
    repository's own limit (``GS1-EPCIS-Capture-File-Size-Limit``), not
    Django's DATA_UPLOAD_MAX_MEMORY_SIZE (meant for forms, far smaller): a
    declared length over the limit is refused before anything is read, a body
    longer than it declared (or undeclared) once ``limit + 1`` bytes came."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise EpcisError.TOO_LARGE.error(limit=limit)
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = request.read(min(READ_CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise EpcisError.TOO_LARGE.error(limit=limit)
    return b"".join(chunks)


@epcis_endpoint(("GET", "POST"), discovery={"GS1-Capture-Error-Behaviour": "rollback"})
def capture_view(request: HttpRequest, org: Organization | None) -> HttpResponse:
    if request.method in ("GET", "HEAD"):
        return _capture_jobs(request, org)
    # The binding answers another media type 415; a body sent without one is
    # read as JSON (it must parse as such anyway).
    if request.content_type and request.content_type not in CAPTURE_TYPES:
        raise ApiError.UNSUPPORTED_MEDIA.error()
    behaviour = request.headers.get("GS1-Capture-Error-Behaviour", "rollback")
    if behaviour.strip().lower() not in CAPTURE_BEHAVIOURS:
        # A client asking for what the binding does not have gets told so, not
        # a job run some other way than it expects.
        raise ApiError.BAD_REQUEST.error(reason="GS1-Capture-Error-Behaviour")
    # A quota per organization: every document is stored for good, so one key
    # (leaked, or a client in a loop) must not fill the repository. Counted
    # before the body is read.
    if not ratelimit.hit(f"epcis_capture:{org.pk if org is not None else 'platform'}",
                         capture.captures_per_minute(), 60):
        response = problem(EpcisError.TOO_MANY_CAPTURES.error(
            limit=capture.captures_per_minute()))
        response["Retry-After"] = "60"
        return response
    document = capture.parse(capture_body(request, capture.MAX_BYTES))
    job = capture.submit(document, org, behaviour)
    response = HttpResponse(status=202)
    response["Location"] = f"/epcis/capture/{job.pk}"
    return response


def job_body(job: CaptureJob) -> dict[str, Any]:
    return {"captureID": str(job.pk), "createdAt": job.created_at.isoformat(),
            "finishedAt": job.finished_at.isoformat() if job.finished_at else None,
            "running": job.state == CaptureJob.State.RUNNING,
            "success": job.state != CaptureJob.State.FAILED,
            "captureErrorBehaviour": "rollback", "errors": job.errors,
            "eventCount": job.event_count}


def _capture_jobs(request: HttpRequest, org: Organization | None) -> HttpResponse:
    """The jobs this key's organization submitted, newest first (a JSON array)."""
    rows, token = jobs.jobs(request.GET, org)
    response = _json([job_body(job) for job in rows], safe=False)
    if token:
        params = {k: v for k, v in request.GET.items() if k != "nextPageToken"}
        params["nextPageToken"] = token
        response["Link"] = f'<{request.path}?{urlencode(params)}>; rel="next"'
    return response


@epcis_endpoint(("GET",))
def capture_job(request: HttpRequest, org: Organization | None, capture_id: str
                ) -> HttpResponse:
    return _json(job_body(capture.job_of(org, capture_id)))


def _page(request: HttpRequest, org: Organization | None,
          fixed: dict[str, str] | None = None) -> HttpResponse:
    rows, token = query.events(request.GET, org, fixed=fixed)
    response = _json(query.query_document(rows, org=org))
    if token:
        params = {k: v for k, v in request.GET.items() if k != "nextPageToken"}
        params["nextPageToken"] = token
        response["Link"] = f'<{request.path}?{urlencode(params)}>; rel="next"'
    return response


@epcis_endpoint(("GET",))
def events_view(request: HttpRequest, org: Organization | None) -> HttpResponse:
    return _page(request, org)


@epcis_endpoint(("GET",))
def event_view(request: HttpRequest, org: Organization | None, event_id: str) -> HttpResponse:
    rows, _ = query.events({}, org, fixed={"EQ_eventID": event_id})
    if not rows:
        raise EpcisError.EVENT_NOT_FOUND.error()
    return _json(query.query_document(rows, org=org))


@epcis_endpoint(("GET",))
def epc_events(request: HttpRequest, org: Organization | None, epc: str) -> HttpResponse:
    return _page(request, org, fixed={"MATCH_anyEPC": epc})


@epcis_endpoint(("GET",))
def event_types(request: HttpRequest, org: Organization | None) -> HttpResponse:
    return _json({"@set": list(query.EVENT_TYPES)})


@epcis_endpoint(("GET",))
def type_events(request: HttpRequest, org: Organization | None, event_type: str
                ) -> HttpResponse:
    if event_type not in query.EVENT_TYPES:
        raise EpcisError.UNKNOWN_EVENT_TYPE.error()
    return _page(request, org, fixed={"eventType": event_type})


# The binding's top-level resources this repository has.
TOP_LEVEL = ["capture", "events", "eventTypes", "epcs"]


@epcis_endpoint(("GET",))
def top_level(request: HttpRequest, org: Organization | None) -> HttpResponse:
    return _json({"@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                  "type": "Collection", "member": TOP_LEVEL})


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under /epcis/ (a resource the binding does not have, an
    EPC path without its ``/events``…): problem details, not Django's HTML."""
    return problem(ApiError.NOT_FOUND.error())


urlpatterns = [
    path("", top_level, name="epcis_root"),
    path("capture", capture_view, name="epcis_capture"),
    path("capture/<str:capture_id>", capture_job, name="epcis_capture_job"),
    path("events", events_view, name="epcis_events"),
    path("events/<path:event_id>", event_view, name="epcis_event"),
    path("epcs/<path:epc>/events", epc_events, name="epcis_epc_events"),
    path("eventTypes", event_types, name="epcis_event_types"),
    path("eventTypes/<str:event_type>/events", type_events, name="epcis_type_events"),
    # Last: everything else under /epcis/ is a 404 of the binding.
    re_path(r"^(?P<rest>.*)$", csrf_exempt(not_found), name="epcis_not_found"),
]
