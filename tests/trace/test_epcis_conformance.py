"""Conformance of the /epcis/ repository with the shared test documents: every
GS1 example and every valid OpenEPCIS capture document is captured and comes
back equal field by field; every invalid OpenEPCIS document is refused with
problem details and nothing stored; the event hash ID agrees with the reference
implementation (epcis-event-hash-generator 1.9.3) over the GS1 examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shequn.core import outbox
from shequn.trace.epcis import capture, hashid
from shequn.trace.models import CaptureJob, EpcisEvent
from tests.builders.console import key_for

# A copy of the shared conformance documents travels with the tests (data/epcis,
# sources and licences in its README), so a checkout without ../shared runs them.
SPECS = Path(__file__).resolve().parent / "data" / "epcis"
GS1 = sorted((SPECS / "gs1-examples" / "JSON").rglob("*.jsonld"))
VALID = sorted((SPECS / "openepcis" / "Capture" / "Documents").glob("*.json"))
INVALID = sorted((SPECS / "openepcis" / "Capture" / "Invalid").glob("*.json"))
# The reference's hashes differ where a value uses the prefix "example:" that the
# document never declares (we keep such a value as written), and its 1.9.3
# release crashes on two documents.
HASH_DIVERGENCES = {"association_event_all_possible_fields.jsonld",
                    "object_event_all_possible_fields.jsonld",
                    "transaction_event_all_possible_fields.jsonld"}
REFERENCE_CRASHES = {"Example-TransactionEvents-2020_07_03y.jsonld",
                     "transformation_event_all_possible_fields.jsonld"}

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(False)
def test_the_conformance_documents_are_all_here():
    """An empty parameter list would skip the conformance tests silently."""
    assert (len(GS1), len(VALID), len(INVALID)) == (47, 38, 15)


def _name(p: Path) -> str:
    return p.name


def _capture(client, key: str, document: dict) -> tuple[int, dict | None]:
    resp = client.post("/epcis/capture", data=json.dumps(document),
                       content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    if resp.status_code != 202:
        return resp.status_code, json.loads(resp.content)
    outbox.drain()
    job = client.get(resp["Location"], HTTP_AUTHORIZATION=f"Bearer {key}").json()
    return 202, job


def _normal(event: dict) -> dict:
    return {k: v for k, v in event.items() if k not in ("recordTime", "eventID")}


@pytest.mark.parametrize("path", GS1 + VALID, ids=_name)
def test_valid_documents_capture_and_come_back_equal(client, path):
    document = json.loads(path.read_text("utf-8"))
    _, key = key_for(None, "epcis")
    status, job = _capture(client, key, document)
    assert status == 202, job
    assert job["running"] is False and job["success"] is True, job
    sent = capture.events_of(document)
    assert job["eventCount"] == len(sent)
    stored = list(EpcisEvent.objects.order_by("pk"))
    ids = "|".join(e.event_id for e in stored)
    resp = client.get("/epcis/events", {"EQ_eventID": ids, "perPage": 1000},
                      HTTP_AUTHORIZATION=f"Bearer {key}")
    assert resp.status_code == 200
    back = resp.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [_normal(e) for e in back] == [_normal(e) for e in sent]
    for original, returned in zip(sent, back, strict=True):
        assert returned["recordTime"]
        if original.get("eventID"):
            assert returned["eventID"] == original["eventID"]
        else:
            assert returned["eventID"].startswith("ni:///sha-256;")


@pytest.mark.parametrize("path", INVALID, ids=_name)
def test_invalid_documents_are_refused_and_nothing_is_stored(client, path):
    try:
        document = json.loads(path.read_text("utf-8"))
        body = json.dumps(document)
    except ValueError:
        body = path.read_text("utf-8")
    _, key = key_for(None, "epcis")
    resp = client.post("/epcis/capture", data=body, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {key}")
    assert resp.status_code == 400
    assert resp["Content-Type"] == "application/problem+json"
    problem = resp.json()
    assert problem["type"] == "epcisException:ValidationException" and problem["title"]
    assert EpcisEvent.objects.count() == 0 and CaptureJob.objects.count() == 0


@pytest.mark.parametrize("path", [p for p in GS1 if p.name not in REFERENCE_CRASHES],
                         ids=_name)
def test_event_hash_ids_agree_with_the_reference(path):
    from epcis_event_hash_generator import hash_generator, json_to_py

    document = json.loads(path.read_text("utf-8"))
    if document.get("type") != "EPCISDocument":
        pytest.skip("the reference 1.9.3 reads EPCISDocuments only")
    expected = hash_generator.epcis_hashes_from_events(
        json_to_py.event_list_from_epcis_document_json(json.loads(path.read_text("utf-8"))))
    ours = hashid.hash_ids(document["epcisBody"]["eventList"], document.get("@context"))
    if path.name in HASH_DIVERGENCES:
        assert list(expected) != ours  # still divergent: revisit the list when this fails
    else:
        assert list(expected) == ours
