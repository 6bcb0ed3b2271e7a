"""The /epcis/ REST binding: queries by the standard parameters (an EPC in
either form), pagination, who sees what, and the refusals (unknown parameters,
other organizations' goods, oversized documents, bad keys)."""

from __future__ import annotations

import json

import pytest

from shequn.core import outbox
from shequn.trace import gs1
from shequn.trace.epcis import capture
from shequn.trace.models import EpcisEvent
from tests.builders.catalog import make_gtin, make_product, make_sku
from tests.builders.console import key_for, make_brand

pytestmark = pytest.mark.django_db
CTX = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]


def _doc(*events: dict) -> dict:
    return {"@context": CTX, "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-12-01T08:00:00.000Z", "epcisBody": {"eventList": list(events)}}


def _event(epc: str, step: str = "shipping", when: str = "2026-12-01T09:00:00.000+08:00",
           **extra) -> dict:
    return {"type": "ObjectEvent", "action": "OBSERVE", "eventTime": when,
            "eventTimeZoneOffset": "+08:00", "epcList": [epc], "bizStep": step, **extra}


def _auth(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _post(client, key: str, doc: dict):
    resp = client.post("/epcis/capture", data=json.dumps(doc), content_type="application/json",
                       **_auth(key))
    outbox.drain()
    return resp


def _events(resp) -> list[dict]:
    return resp.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


@pytest.fixture
def brand_goods():
    brand = make_brand()
    sku = make_sku(product=make_product(brand=brand.org), gtin=make_gtin())
    gtin = gs1.gtin14(sku.gtin)
    return brand, gtin


def test_capture_then_query_by_urn_or_digital_link(client, brand_goods):
    brand, gtin = brand_goods
    _, key = key_for(brand.org, "epcis")
    urn = gs1.sgtin_urn(gtin, "S1")
    resp = _post(client, key, _doc(_event(urn), _event(urn, "receiving",
                                                      "2026-12-02T09:00:00.000+08:00")))
    assert resp.status_code == 202 and resp["Location"].startswith("/epcis/capture/")
    job = client.get(resp["Location"], **_auth(key)).json()
    assert job["success"] and not job["running"]
    by_urn = _events(client.get("/epcis/events", {"MATCH_epc": urn}, **_auth(key)))
    link = f"https://anyhost.example/01/{gtin}/21/S1"
    by_link = _events(client.get("/epcis/events", {"MATCH_epc": link}, **_auth(key)))
    assert len(by_urn) == 2 and by_urn == by_link
    only = _events(client.get("/epcis/events", {"EQ_bizStep": "receiving"}, **_auth(key)))
    assert [e["bizStep"] for e in only] == ["receiving"]
    web = _events(client.get("/epcis/events", {
        "EQ_bizStep": "https://ref.gs1.org/cbv/BizStep-shipping"}, **_auth(key)))
    assert [e["bizStep"] for e in web] == ["shipping"]
    late = _events(client.get("/epcis/events", {"GE_eventTime": "2026-12-02T00:00:00+08:00"},
                              **_auth(key)))
    assert len(late) == 1
    per_epc = client.get(f"/epcis/epcs/{urn}/events", **_auth(key))
    assert len(_events(per_epc)) == 2
    assert client.get("/epcis/eventTypes", **_auth(key)).json()["@set"][0] == "ObjectEvent"


def test_business_transactions_and_pagination(client, brand_goods):
    brand, gtin = brand_goods
    _, key = key_for(None, "epcis")
    events = [_event(gs1.sgtin_urn(gtin, f"P{i}"), bizTransactionList=[
        {"type": "po", "bizTransaction": f"urn:shequn:order:{i % 2}"}]) for i in range(5)]
    _post(client, key, _doc(*events))
    resp = client.get("/epcis/events", {"EQ_bizTransaction_po": "urn:shequn:order:1"},
                      **_auth(key))
    assert len(_events(resp)) == 2
    seen, url, params = [], "/epcis/events", {"perPage": "2"}
    while True:
        resp = client.get(url, params, **_auth(key))
        seen += [e["eventID"] for e in _events(resp)]
        if "Link" not in resp:
            break
        link = resp["Link"]
        assert link.endswith('>; rel="next"')
        url, _, query = link[1:link.index(">")].partition("?")
        params = dict(p.split("=", 1) for p in query.split("&"))
    assert len(seen) == len(set(seen)) == 5


def test_unknown_parameter_is_400_problem(client):
    _, key = key_for(None, "epcis")
    resp = client.get("/epcis/events", {"EQ_colour": "red"}, **_auth(key))
    assert resp.status_code == 400
    assert resp.json()["type"] == "epcisException:QueryParameterException"
    assert resp["Content-Type"] == "application/problem+json"
    assert client.get("/epcis/events", {"GE_eventTime": "yesterday"},
                      **_auth(key)).status_code == 400
    assert client.get("/epcis/events", {"nextPageToken": "@@"}, **_auth(key)).status_code == 400


def test_a_brand_sees_its_own_goods_and_cannot_capture_anothers(client, brand_goods):
    brand, gtin = brand_goods
    other = make_brand()
    other_gtin = gs1.gtin14(make_sku(product=make_product(brand=other.org),
                                     gtin=make_gtin()).gtin)
    _, platform = key_for(None, "epcis")
    _post(client, platform, _doc(_event(gs1.sgtin_urn(gtin, "A1")),
                                 _event(gs1.sgtin_urn(other_gtin, "B1"))))
    _, mine = key_for(brand.org, "epcis")
    _, theirs = key_for(other.org, "epcis")
    all_mine = _events(client.get("/epcis/events", **_auth(mine)))
    assert [e["epcList"][0] for e in all_mine] == [gs1.sgtin_urn(gtin, "A1")]
    # Querying another organization's unit answers nothing of it.
    assert _events(client.get("/epcis/events", {"MATCH_epc": gs1.sgtin_urn(gtin, "A1")},
                              **_auth(theirs))) == []
    before = EpcisEvent.objects.count()
    resp = _post(client, theirs, _doc(_event(gs1.sgtin_urn(gtin, "A2"))))
    assert resp.status_code == 403
    assert resp.json()["type"] == "epcisException:SecurityException"
    assert EpcisEvent.objects.count() == before


def test_events_named_by_epc_or_event_id_are_checked_for_the_asking_brand(client, brand_goods):
    # Queries naming their events outright (MATCH_*, EQ_eventID) check the
    # visibility rule on those events only; the rule is the same: events
    # naming one of the brand's GTINs, or captured by the brand.
    brand, gtin = brand_goods
    other = make_brand()
    other_gtin = gs1.gtin14(make_sku(product=make_product(brand=other.org),
                                     gtin=make_gtin()).gtin)
    mixed_id, theirs_id, own_id = (f"urn:uuid:6f1c1d2e-0000-4000-8000-00000000000{i}"
                                   for i in (1, 2, 3))
    mixed = _event(gs1.sgtin_urn(gtin, "M1"), eventID=mixed_id)
    mixed["epcList"].append(gs1.sgtin_urn(other_gtin, "M2"))
    _, platform = key_for(None, "epcis")
    assert _post(client, platform, _doc(
        mixed, _event(gs1.sgtin_urn(other_gtin, "T1"), eventID=theirs_id))).status_code == 202
    _, mine = key_for(brand.org, "epcis")
    sscc = "urn:epc:id:sscc:0614141.1234567890"
    assert _post(client, mine, _doc(_event(sscc, eventID=own_id))).status_code == 202

    def ids(**params: str) -> list[str]:
        resp = client.get("/epcis/events", params, **_auth(mine))
        assert resp.status_code == 200, resp.content
        return [e["eventID"] for e in _events(resp)]

    assert ids(EQ_eventID=mixed_id) == [mixed_id]
    assert ids(EQ_eventID=theirs_id) == []
    assert ids(EQ_eventID=f"{mixed_id}|{theirs_id}|{own_id}") == [mixed_id, own_id]
    # The event names mine too, but another brand's serial is no way in (and
    # is left out of the event as this brand reads it: test_epcis_probes).
    assert ids(MATCH_epc=gs1.sgtin_urn(other_gtin, "M2")) == []
    assert ids(MATCH_epc=gs1.sgtin_urn(gtin, "M1")) == [mixed_id]
    assert ids(MATCH_epc=gs1.sgtin_urn(other_gtin, "T1")) == []
    assert ids(MATCH_anyEPC=sscc) == [own_id]
    assert ids(MATCH_epc=sscc, EQ_eventID=own_id) == [own_id]
    assert ids(MATCH_epc=sscc, EQ_eventID=mixed_id) == []  # both conditions hold
    assert ids(MATCH_epc=gs1.sgtin_urn(gtin, "M1"), EQ_action="ADD") == []
    # The platform sees them all.
    resp = client.get("/epcis/events", {"EQ_eventID": theirs_id}, **_auth(platform))
    assert [e["eventID"] for e in _events(resp)] == [theirs_id]


def test_keys_are_checked(client):
    assert client.get("/epcis/events").status_code == 401
    _, key = key_for(None, "catalog")
    assert client.get("/epcis/events", **_auth(key)).status_code == 403
    assert client.get("/epcis/events", HTTP_AUTHORIZATION="Bearer shq_nope_x").status_code \
        == 401


def test_a_read_only_key_queries_but_cannot_capture(client, brand_goods):
    brand, gtin = brand_goods
    _, writer = key_for(brand.org, "epcis")
    _, reader = key_for(brand.org, "epcis_read")
    urn = gs1.sgtin_urn(gtin, "R1")
    where = _post(client, writer, _doc(_event(urn)))["Location"]
    assert client.get(where, **_auth(reader)).json()["success"] is True
    resp = client.get("/epcis/events", {"MATCH_epc": urn}, **_auth(reader))
    assert resp.status_code == 200 and len(_events(resp)) == 1
    refused = _post(client, reader, _doc(_event(urn, "receiving")))
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("scope_missing") or "scope" in refused.content.decode()
    assert EpcisEvent.objects.count() == 1


def test_oversized_and_malformed_documents_are_refused(client, monkeypatch):
    _, key = key_for(None, "epcis")
    monkeypatch.setattr(capture, "MAX_BYTES", 1000)
    big = _doc(*[_event(f"urn:epc:id:sgtin:0614141.107346.{i}") for i in range(20)])
    resp = client.post("/epcis/capture", data=json.dumps(big),
                       content_type="application/json", **_auth(key))
    assert resp.status_code == 413
    resp = client.post("/epcis/capture", data=b"{not json", content_type="application/json",
                       **_auth(key))
    assert resp.status_code == 400
    assert EpcisEvent.objects.count() == 0


def test_duplicate_event_ids_fail_the_whole_job(client):
    _, key = key_for(None, "epcis")
    e = _event("urn:epc:id:sgtin:0614141.107346.1", eventID="urn:uuid:1")
    _post(client, key, _doc(e))
    resp = _post(client, key, _doc(_event("urn:epc:id:sgtin:0614141.107346.2"), e))
    job = client.get(resp["Location"], **_auth(key)).json()
    assert job["success"] is False and job["errors"][0]["detail"] == "urn:uuid:1"
    assert EpcisEvent.objects.count() == 1


def test_the_same_events_without_event_ids_twice_are_duplicates(client):
    # Their hash IDs are the same (looked for among events of the same time).
    _, key = key_for(None, "epcis")
    doc = _doc(_event("urn:epc:id:sgtin:0614141.107346.7"),
               _event("urn:epc:id:sgtin:0614141.107346.8", when="2026-10-03T09:00:00.000+08:00"))
    first = _post(client, key, doc)
    assert client.get(first["Location"], **_auth(key)).json()["success"] is True
    again = _post(client, key, doc)
    job = client.get(again["Location"], **_auth(key)).json()
    assert job["success"] is False and len(job["errors"]) == 2
    assert all(e["detail"].startswith("ni:///sha-256;") for e in job["errors"])
    assert EpcisEvent.objects.count() == 2


def test_a_job_that_cannot_be_stored_ends_failed_and_an_operators_resend_runs_it(
        client, brand_goods, monkeypatch):
    """A fault while storing (not the document's) is retried; once the event is a
    dead letter, the job a client polls says failed instead of running forever,
    and an operator's resend of the event stores the document after all."""
    from shequn.core.models import OutboxEvent
    from shequn.trace.epcis import store
    from tests.builders.people import make_operator

    brand, gtin = brand_goods
    _, key = key_for(brand.org, "epcis")
    real = store.record

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "record", broken)
    resp = client.post("/epcis/capture", data=json.dumps(_doc(_event(gs1.sgtin_urn(gtin, "F1")))),
                       content_type="application/json", **_auth(key))
    assert resp.status_code == 202
    where = resp["Location"]
    event = OutboxEvent.objects.get(topic=capture.TOPIC)
    for _attempt in range(outbox.MAX_ATTEMPTS - 1):
        assert not outbox.process(event.pk)
        assert client.get(where, **_auth(key)).json()["running"] is True
    outbox.process(event.pk)
    event.refresh_from_db()
    assert event.dead_at is not None
    job = client.get(where, **_auth(key)).json()
    assert (job["running"], job["success"]) == (False, False)
    assert job["errors"][0]["type"] == "epcisException:ImplementationException"
    assert job["finishedAt"] is not None
    assert not EpcisEvent.objects.exists()
    # Fixed, and the operator resends the dead letter.
    monkeypatch.setattr(store, "record", real)
    outbox.resend(event.pk, make_operator(), "disk replaced")
    outbox.drain()
    job = client.get(where, **_auth(key)).json()
    assert (job["running"], job["success"], job["errors"], job["eventCount"]) == (
        False, True, [], 1)
    assert EpcisEvent.objects.count() == 1
    # A duplicate delivery of the finished job changes nothing.
    capture.run(job["captureID"])
    assert EpcisEvent.objects.count() == 1


def test_a_dead_letter_hook_that_fails_does_not_keep_the_event_alive(monkeypatch):
    from shequn.core.models import OutboxEvent

    calls = []
    # Registered for this test only.
    monkeypatch.setitem(outbox._handlers, "test.always_fails", [])
    monkeypatch.setitem(outbox._dead_hooks, "test.always_fails", [])

    @outbox.handler("test.always_fails")
    def fails(event):
        raise RuntimeError("no")

    @outbox.on_dead("test.always_fails")
    def hook(event):
        calls.append(event.pk)
        raise RuntimeError("hook broken too")

    from django.db import transaction

    with transaction.atomic():
        event = outbox.emit("test.always_fails", "x", 1)
    for _attempt in range(outbox.MAX_ATTEMPTS):
        outbox.process(event.pk)
    event = OutboxEvent.objects.get(pk=event.pk)
    assert event.dead_at is not None and calls == [event.pk]


def test_captures_per_organization_are_limited_per_minute(client, brand_goods, settings):
    """Every captured document is kept for good: one key in a loop must not fill
    the repository. Over the quota: 429 with the binding's exception type and
    Retry-After, nothing stored; another organization is not held back."""
    settings.SHEQUN = {**settings.SHEQUN, "EPCIS_CAPTURES_PER_MINUTE": 2}
    brand, gtin = brand_goods
    _, key = key_for(brand.org, "epcis")
    for n in range(2):
        assert _post(client, key, _doc(_event(gs1.sgtin_urn(gtin, f"Q{n}")))).status_code == 202
    over = _post(client, key, _doc(_event(gs1.sgtin_urn(gtin, "Q9"))))
    assert over.status_code == 429 and over["Retry-After"] == "60"
    body = over.json()
    assert body["type"] == "epcisException:CaptureLimitExceededException"
    assert body["code"] == "epcis_too_many_captures" and body["limit"] == 2
    assert EpcisEvent.objects.count() == 2
    other = make_brand()
    other_gtin = gs1.gtin14(make_sku(product=make_product(brand=other.org),
                                     gtin=make_gtin()).gtin)
    _, other_key = key_for(other.org, "epcis")
    assert _post(client, other_key, _doc(_event(gs1.sgtin_urn(other_gtin, "Q1")))
                 ).status_code == 202
