"""The /epcis/ binding's edges: a capture is read within the repository's own
advertised size limit (not Django's form limit) and refused above it with a
413 problem, nothing stored; every refusal under /epcis/ (unknown paths,
wrong methods, keys) is problem+json whose ``type`` is one of the binding's
exception types, Shequn's own code in ``code``."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from shequn.api.epcis import views
from shequn.trace.epcis import capture
from shequn.trace.models import CaptureJob, EpcisEvent
from tests.builders.console import key_for

pytestmark = pytest.mark.django_db
CTX = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
PROBLEM = "application/problem+json"
# The exception types the binding defines (epcis-rest-openapi.yaml).
BINDING_TYPES = {
    "epcisException:SecurityException", "epcisException:ValidationException",
    "epcisException:QueryParameterException", "epcisException:QueryValidationException",
    "epcisException:NoSuchResourceException", "epcisException:NoSuchNameException",
    "epcisException:CaptureLimitExceededException",
    "epcisException:ResourceAlreadyExistsException",
    "epcisException:UnsupportedMediaTypeException", "epcisException:NotAcceptableException",
    "epcisException:URITooLongException", "epcisException:ImplementationException",
    "epcisException:QueryTooLargeException",
    "about:blank",
}


def _doc(events: list[dict]) -> dict:
    return {"@context": CTX, "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-12-01T08:00:00.000Z", "epcisBody": {"eventList": events}}


def _big_doc(n_events: int, per_event: int) -> bytes:
    """A valid document of ``n_events`` events of ``per_event`` EPCs each."""
    events = [{"type": "ObjectEvent", "action": "OBSERVE",
               "eventTime": f"2026-12-01T09:{i // 60 % 60:02d}:{i % 60:02d}.000+08:00",
               "eventTimeZoneOffset": "+08:00", "bizStep": "shipping",
               "epcList": [f"urn:epc:id:sgtin:0614141.107346.{i:05d}{j:04d}"
                           for j in range(per_event)]}
              for i in range(n_events)]
    return json.dumps(_doc(events)).encode()


def _auth(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _is_problem(resp, status: int) -> dict:
    assert resp.status_code == status, resp.content[:300]
    assert resp["Content-Type"] == PROBLEM
    body = resp.json()
    assert body["type"] in BINDING_TYPES and body["status"] == status
    assert isinstance(body["title"], str) and isinstance(body["detail"], str)
    assert body["code"] and body["message_en"]
    return body


def test_a_document_far_over_djangos_form_limit_is_captured(client):
    body = _big_doc(1500, 50)
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < 3_000_000 < len(body) < capture.MAX_BYTES
    _, key = key_for(None, "epcis")
    resp = client.post("/epcis/capture", data=body, content_type="application/json",
                       **_auth(key))
    assert resp.status_code == 202, resp.content[:300]
    assert resp["GS1-EPCIS-Capture-File-Size-Limit"] == str(capture.MAX_BYTES)
    job = CaptureJob.objects.get()
    assert len(capture.events_of(job.document)) == 1500


def test_a_document_over_the_advertised_limit_is_413_problem_nothing_stored(client,
                                                                            monkeypatch):
    _, key = key_for(None, "epcis")
    body = _big_doc(3, 5)
    monkeypatch.setattr(capture, "MAX_BYTES", len(body) - 1)
    resp = client.post("/epcis/capture", data=body, content_type="application/json",
                       **_auth(key))
    problem = _is_problem(resp, 413)
    assert problem["type"] == "epcisException:CaptureLimitExceededException"
    assert problem["code"] == "epcis_too_large" and problem["limit"] == len(body) - 1
    assert CaptureJob.objects.count() == 0 and EpcisEvent.objects.count() == 0
    # Exactly at the limit: taken.
    monkeypatch.setattr(capture, "MAX_BYTES", len(body))
    resp = client.post("/epcis/capture", data=body, content_type="application/json",
                       **_auth(key))
    assert resp.status_code == 202


def test_an_undeclared_length_is_read_no_further_than_limit_plus_one(rf):
    # A Content-Length not to rely on (absent, chunked): the stream is read to
    # limit + 1 bytes at most, then refused.
    from shequn.core.errors import DomainError

    request = rf.post("/epcis/capture", data=b"x" * 5000, content_type="application/json")
    request.META["CONTENT_LENGTH"] = ""
    with pytest.raises(DomainError) as err:
        views.capture_body(request, 100)
    assert err.value.code == "epcis_too_large"
    assert len(request.read()) == 5000 - 101
    request = rf.post("/epcis/capture", data=b"x" * 5000, content_type="application/json")
    assert views.capture_body(request, 5000) == b"x" * 5000


@pytest.mark.parametrize("path", [
    "/epcis/nosuch", "/epcis/epcs/urn:epc:id:sgtin:0614141.107346.1",
    "/epcis/epcs/", "/epcis/events/", "/epcis/capture/x/y",
])
def test_unknown_paths_are_404_problems(client, path):
    _, key = key_for(None, "epcis")
    for headers in ({}, _auth(key)):
        problem = _is_problem(client.get(path, **headers), 404)
        assert problem["type"] == "epcisException:NoSuchResourceException"
        assert problem["code"] == "not_found"


def test_wrong_method_is_a_405_problem(client):
    _, key = key_for(None, "epcis")
    resp = client.delete("/epcis/events", **_auth(key))
    _is_problem(resp, 405)
    assert resp["Allow"] == "GET, HEAD, OPTIONS"


def test_key_refusals_carry_the_binding_type_and_shequns_code(client):
    problem = _is_problem(client.get("/epcis/events"), 401)
    assert problem["type"] == "epcisException:SecurityException"
    assert problem["code"] == "bad_api_key"
    _, catalog = key_for(None, "catalog")
    problem = _is_problem(client.get("/epcis/events", **_auth(catalog)), 403)
    assert problem["type"] == "epcisException:SecurityException"
    assert problem["code"] == "scope_missing"


def test_every_error_code_maps_to_a_binding_type():
    from shequn.brands.errors import BrandError
    from shequn.trace.epcis.errors import EpcisError, problem_type

    for err in [*EpcisError, BrandError.BAD_API_KEY, BrandError.SCOPE_MISSING]:
        assert problem_type(err.value, err.status) in BINDING_TYPES
    assert problem_type("epcis_duplicate_event", 409) \
        == "epcisException:ResourceAlreadyExistsException"


def test_schema_errors_stay_machine_readable(client):
    _, key = key_for(None, "epcis")
    doc = _doc([{"type": "ObjectEvent", "action": "SOMETIMES"}])
    problem = _is_problem(client.post("/epcis/capture", data=json.dumps(doc),
                                      content_type="application/json", **_auth(key)), 400)
    assert problem["code"] == "epcis_invalid_document"
    assert isinstance(problem["errors"], list) and problem["errors"][0]["pointer"]
