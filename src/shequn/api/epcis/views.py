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
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from shequn.brands import apikeys
from shequn.catalog.models import Organization
from shequn.core.errors import DomainError
from shequn.trace.epcis import capture, query
from shequn.trace.epcis.errors import PROBLEM_TYPES, EpcisError
from shequn.trace.models import CaptureJob

HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0",
           "GS1-EPCIS-Capture-Limit": str(capture.MAX_EVENTS),
           "GS1-EPCIS-Capture-File-Size-Limit": str(capture.MAX_BYTES)}


def problem(err: DomainError) -> HttpResponse:
    body: dict[str, Any] = {"type": PROBLEM_TYPES.get(err.code, "epcisException:" + err.code),
                            "title": err.message_en, "status": err.status,
                            "detail": err.message, **err.as_dict()}
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


def epcis_endpoint(methods: tuple[str, ...]) -> Callable[[View], View]:
    """API-key authentication (scope epcis) and problem details for every error."""

    def decorate(view: View) -> View:
        @csrf_exempt
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = HttpResponse(status=405)
                response["Allow"] = ", ".join(methods)
                return response
            try:
                key = apikeys.verify(_key(request), "epcis")
                response = view(request, key.organization, *args, **kwargs)
            except DomainError as err:
                return problem(err)
            for k, v in HEADERS.items():
                response[k] = v
            return response

        return wrapped

    return decorate


def _json(body: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


@epcis_endpoint(("POST",))
def capture_view(request: HttpRequest, org: Organization | None) -> HttpResponse:
    document = capture.parse(request.body)
    behaviour = request.headers.get("GS1-Capture-Error-Behaviour", "rollback")
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


@epcis_endpoint(("GET",))
def capture_job(request: HttpRequest, org: Organization | None, capture_id: str
                ) -> HttpResponse:
    return _json(job_body(capture.job_of(org, capture_id)))


def _page(request: HttpRequest, org: Organization | None,
          fixed: dict[str, str] | None = None) -> HttpResponse:
    rows, token = query.events(request.GET, org, fixed=fixed)
    response = _json(query.query_document(rows))
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
    return _json(query.query_document(rows))


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


urlpatterns = [
    path("capture", capture_view, name="epcis_capture"),
    path("capture/<str:capture_id>", capture_job, name="epcis_capture_job"),
    path("events", events_view, name="epcis_events"),
    path("events/<path:event_id>", event_view, name="epcis_event"),
    path("epcs/<path:epc>/events", epc_events, name="epcis_epc_events"),
    path("eventTypes", event_types, name="epcis_event_types"),
    path("eventTypes/<str:event_type>/events", type_events, name="epcis_type_events"),
]
