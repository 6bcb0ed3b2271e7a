"""Probes of the /epcis/ binding as another brand would try them: every query
parameter and resource path naming brand A's goods, capture jobs and event
IDs of another organization, page tokens carried across keys or forged, and
captures naming brand A's GTINs in every spelling an EPCIS document may use."""

from __future__ import annotations

import base64
import json

import pytest

from shequn.core import outbox
from shequn.trace import gs1
from shequn.trace.models import CaptureJob, EpcisEvent
from tests.builders.catalog import make_gtin, make_product, make_sku
from tests.builders.console import key_for, make_brand

pytestmark = pytest.mark.django_db
CTX = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]


def _doc(*events: dict) -> dict:
    return {"@context": CTX, "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-12-01T08:00:00.000Z", "epcisBody": {"eventList": list(events)}}


def _event(epcs: list[str] | None = None, step: str = "shipping", **extra) -> dict:
    body = {"type": "ObjectEvent", "action": "OBSERVE",
            "eventTime": "2026-12-01T09:00:00.000+08:00", "eventTimeZoneOffset": "+08:00",
            "epcList": epcs or [], "bizStep": step}
    return {**body, **extra}


def _auth(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _post(client, key: str, doc: dict):
    resp = client.post("/epcis/capture", data=json.dumps(doc), content_type="application/json",
                       **_auth(key))
    outbox.drain()
    return resp


def _ids(resp) -> list[str]:
    assert resp.status_code == 200, resp.content
    return [e["eventID"] for e in
            resp.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]


def _gtin_of(brand) -> str:
    return gs1.gtin14(make_sku(product=make_product(brand=brand.org), gtin=make_gtin()).gtin)


@pytest.fixture
def world(client):
    a, b = make_brand(), make_brand()
    gtin_a = _gtin_of(a)
    _gtin_of(b)  # brand B has goods of its own (its key is not an empty one)
    _, platform = key_for(None, "epcis")
    _, key_a = key_for(a.org, "epcis")
    _, key_b = key_for(b.org, "epcis")
    unit, other = gs1.sgtin_urn(gtin_a, "U1"), gs1.sgtin_urn(gtin_a, "U2")
    carton = "urn:epc:id:sscc:0614141.1000000017"
    lgtin = gs1.lgtin_urn(gtin_a, "LOTA")
    ids = {k: f"urn:uuid:0b7e2c9a-1111-4000-8000-00000000000{i}" for i, k in enumerate(
        ("unit", "agg", "class", "txn"))}
    resp = _post(client, platform, _doc(
        _event([unit], eventID=ids["unit"], bizTransactionList=[
            {"type": "po", "bizTransaction": "urn:shequn:order:A-1"}]),
        {"type": "AggregationEvent", "action": "ADD", "eventID": ids["agg"],
         "eventTime": "2026-12-01T08:00:00.000+08:00", "eventTimeZoneOffset": "+08:00",
         "parentID": carton, "childEPCs": [other], "bizStep": "packing"},
        _event(quantityList=[{"epcClass": lgtin, "quantity": 3}], eventID=ids["class"]),
    ))
    assert resp.status_code == 202, resp.content
    # Brand A's own capture job.
    job_a = _post(client, key_a, _doc(_event([gs1.sgtin_urn(gtin_a, "U3")])))["Location"]
    return {"a": a, "b": b, "gtin_a": gtin_a, "platform": platform, "key_a": key_a,
            "key_b": key_b, "unit": unit, "other": other, "carton": carton, "lgtin": lgtin,
            "ids": ids, "job_a": job_a}


def test_every_query_parameter_naming_brand_as_goods_answers_brand_b_nothing(client, world):
    w = world
    queries = [
        {"MATCH_epc": w["unit"]},
        {"MATCH_epc": f"https://example.org/01/{w['gtin_a']}/21/U1"},
        {"MATCH_anyEPC": w["other"]},
        {"MATCH_anyEPC": w["carton"]},
        {"MATCH_parentID": w["carton"]},
        {"MATCH_epcClass": w["lgtin"]},
        {"MATCH_anyEPCClass": w["lgtin"]},
        {"EQ_bizTransaction_po": "urn:shequn:order:A-1"},
        {"EQ_eventID": "|".join(w["ids"].values())},
        {"EQ_bizStep": "packing"},
        {},
    ]
    for params in queries:
        # Brand A (the positive control) finds something for each of them.
        assert _ids(client.get("/epcis/events", params, **_auth(w["key_a"]))), params
        assert _ids(client.get("/epcis/events", params, **_auth(w["key_b"]))) == [], params


def test_resource_paths_of_brand_as_events_are_not_found_for_brand_b(client, world):
    w = world
    for epc in (w["unit"], w["carton"], f"https://id.gs1.org/01/{w['gtin_a']}/21/U2"):
        path = f"/epcis/epcs/{epc}/events"
        assert _ids(client.get(path, **_auth(w["key_a"])))
        assert _ids(client.get(path, **_auth(w["key_b"]))) == []
    event = f"/epcis/events/{w['ids']['unit']}"
    assert client.get(event, **_auth(w["key_a"])).status_code == 200
    resp = client.get(event, **_auth(w["key_b"]))
    assert resp.status_code == 404 and w["unit"] not in resp.content.decode()
    assert _ids(client.get("/epcis/eventTypes/AggregationEvent/events",
                           **_auth(w["key_b"]))) == []


def test_a_capture_job_is_seen_by_its_own_organization_only(client, world):
    w = world
    assert client.get(w["job_a"], **_auth(w["key_a"])).status_code == 200
    assert client.get(w["job_a"], **_auth(w["platform"])).status_code == 200
    resp = client.get(w["job_a"], **_auth(w["key_b"]))
    assert resp.status_code == 404
    assert resp.json()["type"] == "epcisException:NoSuchResourceException"


def test_a_page_token_carries_no_visibility_across_keys(client, world):
    w = world
    first = client.get("/epcis/events", {"perPage": "1"}, **_auth(w["platform"]))
    assert "Link" in first
    token = first["Link"].split("nextPageToken=", 1)[1].split(">", 1)[0]
    assert _ids(client.get("/epcis/events", {"nextPageToken": token},
                           **_auth(w["key_b"]))) == []
    forged = base64.urlsafe_b64encode(json.dumps({"after": -1}).encode()).decode()
    assert _ids(client.get("/epcis/events", {"nextPageToken": forged},
                           **_auth(w["key_b"]))) == []


@pytest.mark.parametrize("token", [
    base64.urlsafe_b64encode(b"[" * 5000).decode(),
    base64.urlsafe_b64encode(json.dumps({"after": "1 OR 1=1"}).encode()).decode(),
    base64.urlsafe_b64encode(json.dumps([1]).encode()).decode(),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    "%%%",
])
def test_a_forged_page_token_is_a_400_problem(client, token):
    _, key = key_for(None, "epcis")
    resp = client.get("/epcis/events", {"nextPageToken": token}, **_auth(key))
    assert resp.status_code == 400, resp.content[:200]
    assert resp["Content-Type"] == "application/problem+json"


def _spellings(gtin: str) -> list[dict]:
    """Events naming brand A's GTIN in the spellings EPCIS documents use."""
    urn = gs1.sgtin_urn(gtin, "X1")
    return [
        _event([urn]),
        _event([urn.upper()]),  # the URN's "urn:epc:id" part is case-insensitive (RFC 8141)
        _event([f"https://brand.example/01/{gtin}/21/X1"]),
        _event([f"HTTPS://brand.example/01/{gtin}/21/X1"]),  # schemes too (RFC 3986 §3.1)
        _event([f"https://brand.example/%30%31/%3{gtin[0]}{gtin[1:]}/21/X1"]),  # %-encoded
        _event([f"https://brand.example/01/{gtin[1:]}/21/X1"]),  # GTIN-13
        _event(quantityList=[{"epcClass": gs1.lgtin_urn(gtin, "L1"), "quantity": 1}]),
        _event(quantityList=[{"epcClass": f"https://brand.example/01/{gtin}", "quantity": 1}]),
        {"type": "AggregationEvent", "action": "ADD", "eventTime": "2026-12-01T08:00:00.000Z",
         "eventTimeZoneOffset": "+00:00", "parentID": "urn:epc:id:sscc:0614141.1000000024",
         "childEPCs": [urn]},
        {"type": "TransformationEvent", "eventTime": "2026-12-01T08:00:00.000Z",
         "eventTimeZoneOffset": "+00:00", "inputEPCList": [urn],
         "outputEPCList": ["urn:epc:id:sscc:0614141.1000000031"]},
    ]


@pytest.mark.parametrize("n", range(len(_spellings("00614141000012"))))
def test_brand_b_cannot_capture_events_about_brand_as_gtin_in_any_spelling(client, world, n):
    w = world
    before = EpcisEvent.objects.count()
    event = _spellings(w["gtin_a"])[n]
    resp = _post(client, w["key_b"], _doc(event))
    assert resp.status_code == 403, (event, resp.status_code, resp.content[:300])
    assert resp.json()["type"] == "epcisException:SecurityException"
    assert EpcisEvent.objects.count() == before
    # Brand A may capture the same event (the refusal is about who asks).
    assert _post(client, w["key_a"], _doc(event)).status_code == 202


@pytest.mark.parametrize("depth", [100_000, 900])
def test_a_document_nested_too_deeply_is_refused_or_stored_never_a_500(client, depth):
    _, key = key_for(None, "epcis")
    nested = "{}"
    for _ in range(depth):
        nested = '{"x":' + nested + "}"
    event = json.dumps(_event(["urn:epc:id:sgtin:0614141.107346.9"]))
    event = event[:-1] + ', "ilmd": {"example:deep": ' + nested + "}}"
    body = '{"@context": ' + json.dumps(CTX + [{"example": "https://example.org/"}]) \
        + ', "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": ' \
        + '"2026-12-01T08:00:00.000Z", "epcisBody": {"eventList": [' + event + "]}}"
    resp = client.post("/epcis/capture", data=body, content_type="application/json",
                       **_auth(key))
    assert resp.status_code in (202, 400), resp.content[:300]
    if resp.status_code == 400:
        assert resp["Content-Type"] == "application/problem+json"
        return
    outbox.drain()
    job = client.get(resp["Location"], **_auth(key)).json()
    assert not job["running"]


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 100_000 + "1" + "}" * 100_000,
    "[" * 100_000,
    '{"epcisBody": ' * 100_000 + "{}" + "}" * 100_000,
], ids=["arrays", "objects", "unclosed", "documents"])
def test_a_body_nested_beyond_the_parser_is_a_400_problem(client, body):
    # Not a document at all: the JSON parser gives up (RecursionError) before
    # anything is checked or stored; RFC 7807 problem details, never a 500.
    _, key = key_for(None, "epcis")
    resp = client.post("/epcis/capture", data=body, content_type="application/json",
                       **_auth(key))
    assert resp.status_code == 400, resp.content[:300]
    assert resp["Content-Type"] == "application/problem+json"
    problem = resp.json()
    assert problem["status"] == 400 and problem["type"] and problem["title"]
    assert not EpcisEvent.objects.exists() and not CaptureJob.objects.exists()


def test_a_document_with_a_nul_character_is_a_400_problem_not_a_stuck_job(client):
    # PostgreSQL's jsonb cannot hold \u0000: storing it failed the request (500)
    # or left the capture job running for ever.
    _, key = key_for(None, "epcis")
    event = _event(["urn:epc:id:sgtin:0614141.107346.9"],
                   ilmd={"example:note": "a\u0000b"})
    doc = _doc(event)
    doc["@context"] = CTX + [{"example": "https://example.org/"}]
    resp = _post(client, key, doc)
    assert resp.status_code == 400, resp.content[:300]
    assert resp["Content-Type"] == "application/problem+json"
    assert EpcisEvent.objects.count() == 0


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00.000+14:00", "9999-12-31T23:59:59.000-14:00",
                                  "1900-01-01T00:00:00.000Z"])
def test_an_event_time_at_the_ends_of_the_calendar_is_refused_or_stored(client, when):
    # In UTC the first is in year 0 and the second in year 10000: Python has
    # neither, so such a document must be refused, not left for the worker.
    _, key = key_for(None, "epcis")
    resp = _post(client, key, _doc(_event(["urn:epc:id:sgtin:0614141.107346.5"],
                                          eventTime=when)))
    assert resp.status_code in (202, 400), resp.content[:300]
    if resp.status_code == 202:
        job = client.get(resp["Location"], **_auth(key)).json()
        assert not job["running"], job


LONG = "https://long.example/" + "a" * 600


@pytest.mark.parametrize("extra", [
    {"eventID": LONG},
    {"epcList": [LONG]},
    {"readPoint": {"id": LONG}},
    {"bizLocation": {"id": LONG}},
    {"bizStep": LONG},
    {"disposition": LONG},
    {"quantityList": [{"epcClass": LONG, "quantity": 1}]},
], ids=["eventID", "epc", "readPoint", "bizLocation", "bizStep", "disposition", "epcClass"])
def test_identifiers_longer_than_their_columns_are_refused_at_capture(client, extra):
    # Accepted, they failed the job in the worker on every retry (value too
    # long for the column): the job ran for ever.
    _, key = key_for(None, "epcis")
    resp = _post(client, key, _doc(_event(["urn:epc:id:sgtin:0614141.107346.6"], **extra)))
    assert resp.status_code in (202, 400), resp.content[:300]
    if resp.status_code == 202:
        job = client.get(resp["Location"], **_auth(key)).json()
        assert not job["running"], job


def test_brand_b_cannot_write_steps_into_brand_as_carton_and_so_its_verify_page(client):
    # A carton's SSCC names no GTIN, but the carton is brand A's goods (printed
    # on its label): an event about it shows on the verify page of every unit
    # packed in it. Brand B "destroying" it must be refused.
    from shequn.trace import codes
    from shequn.trace.models import UnitCode

    a, b = make_brand(), make_brand()
    sku = make_sku(product=make_product(brand=a.org), gtin=make_gtin())
    batch = codes.create_batch(a.admin, a.org, sku_id=sku.pk, lot="C1", quantity=2, per_carton=2)
    codes.generate(batch.pk)
    unit = UnitCode.objects.filter(batch=batch).select_related("carton").first()
    carton = gs1.sscc_urn(unit.carton.sscc)
    _, key_a = key_for(a.org, "epcis")
    _, key_b = key_for(b.org, "epcis")
    import datetime as dt

    from shequn.core import clock

    later = (clock.now() + dt.timedelta(hours=1)).isoformat(timespec="milliseconds")
    destroy = _event([carton], "destroying", disposition="destroyed", eventTime=later)
    for spelling in (carton, f"https://b.example/00/{unit.carton.sscc}"):
        destroy["epcList"] = [spelling]
        before = EpcisEvent.objects.count()
        resp = _post(client, key_b, _doc(destroy))
        assert resp.status_code == 403, resp.content[:300]
        assert EpcisEvent.objects.count() == before
    page = f"/01/{unit.gtin}/21/{unit.serial}"
    html = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Destroyed" not in html and "Recorded by the supply chain" not in html
    # Brand A may record its own carton's steps, and the page shows them (as
    # its record): what brand B's event would have reached. An SSCC Shequn
    # does not know is free.
    assert _post(client, key_a, _doc(destroy)).status_code == 202
    html = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Recorded by the supply chain" in html
    free = _event(["urn:epc:id:sscc:0614141.1999999990"])
    assert _post(client, key_b, _doc(free)).status_code == 202


def test_a_brands_own_capture_shows_on_its_verify_page_as_its_record_not_shequns(client):
    # A brand may capture events about its own units, but a customs release,
    # a bonded warehouse's receipt or a delivery on the public page is
    # Shequn's word: what a brand's key wrote is shown as its own record,
    # without Shequn's place names, whatever vocabulary it used.
    import datetime as dt

    from shequn.core import clock
    from tests.builders.catalog import make_warehouse
    from tests.builders.trace_verify import coded_units

    a = make_brand()
    unit = coded_units(1, brand=a.org)[0]
    house = make_warehouse(name="保税一号仓PROBE")
    urn = gs1.sgtin_urn(unit.gtin, unit.serial)
    at = (clock.now() - dt.timedelta(days=1)).isoformat(timespec="milliseconds")
    release = _event([urn], "https://shequn.org/voc/bizstep/customs_releasing",
                     eventTime=at, bizLocation={"id": f"urn:shequn:warehouse:{house.code}"})
    _, key_a = key_for(a.org, "epcis")
    assert _post(client, key_a, _doc(release)).status_code == 202
    page = f"/01/{unit.gtin}/21/{unit.serial}"
    html = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Recorded by the supply chain" in html
    assert "Released by customs" not in html and "保税一号仓PROBE" not in html
    # The same event from Shequn (the platform's key) is a customs release there.
    _, platform = key_for(None, "epcis")
    release["eventTime"] = (clock.now() - dt.timedelta(hours=2)).isoformat(
        timespec="milliseconds")
    assert _post(client, platform, _doc(release)).status_code == 202
    html = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Released by customs" in html and "保税一号仓PROBE" in html


def test_a_brand_sees_its_cartons_shipping_and_receiving_which_name_no_gtin(client):
    """Shequn's flows record a carton's way to the bonded warehouse by its SSCC
    alone; the carton is the brand's goods, so its key sees those events (and
    another brand's key does not)."""
    from shequn.trace import codes
    from shequn.trace.epcis import store
    from shequn.trace.models import UnitCode

    a, b = make_brand(), make_brand()
    sku = make_sku(product=make_product(brand=a.org), gtin=make_gtin())
    batch = codes.create_batch(a.admin, a.org, sku_id=sku.pk, lot="C2", quantity=2, per_carton=2)
    codes.generate(batch.pk)
    sscc = UnitCode.objects.filter(batch=batch).select_related("carton").first().carton.sscc
    carton = gs1.sscc_urn(sscc)
    store.record([_event([carton], "shipping", disposition="in_transit"),
                  _event([carton], "receiving")])
    _, key_a = key_for(a.org, "epcis")
    _, key_b = key_for(b.org, "epcis")
    for key, seen in ((key_a, {"shipping", "receiving"}), (key_b, set())):
        resp = client.get("/epcis/events", {"MATCH_epc": carton, "EQ_action": "OBSERVE"},
                          **_auth(key))
        assert resp.status_code == 200
        steps = {e["bizStep"] for e in resp.json()["epcisBody"]["queryResults"]
                 ["resultsBody"]["eventList"]}
        assert steps == seen


def test_index_rows_of_cartons_from_before_are_brought_up_to_date():
    """The migration's step: rows written without the carton's GTIN get it."""
    import importlib

    from django.apps import apps as global_apps

    from shequn.trace import codes
    from shequn.trace.models import EpcIndex, UnitCode

    a = make_brand()
    sku = make_sku(product=make_product(brand=a.org), gtin=make_gtin())
    batch = codes.create_batch(a.admin, a.org, sku_id=sku.pk, lot="C3", quantity=2, per_carton=2)
    codes.generate(batch.pk)
    sscc = UnitCode.objects.filter(batch=batch).select_related("carton").first().carton.sscc
    EpcIndex.objects.filter(epc=gs1.canonical_carton(sscc)).update(gtin="")
    migration = importlib.import_module(
        "shequn.trace.migrations.0011_carton_events_indexed_with_gtin")
    migration.forwards(global_apps, None)
    rows = EpcIndex.objects.filter(epc=gs1.canonical_carton(sscc))
    assert rows.exists() and set(rows.values_list("gtin", flat=True)) == {batch.gtin}


def test_an_order_of_two_brands_goods_shows_each_brand_its_own_units_only(client):
    """Shequn records one picking, shipping and delivery event per order; an
    order of brand A's and brand B's goods names both brands' units. Each
    brand's key reads its own units (B's serials are what B's labels carry),
    the waybill masked; the platform's key reads the event whole."""
    from shequn.trace.epcis import store

    a, b = make_brand(), make_brand()
    gtin_a = gs1.gtin14(make_sku(product=make_product(brand=a.org), gtin=make_gtin()).gtin)
    gtin_b = gs1.gtin14(make_sku(product=make_product(brand=b.org), gtin=make_gtin()).gtin)
    unit_a, unit_b = gs1.sgtin_urn(gtin_a, "A1"), gs1.sgtin_urn(gtin_b, "B1")
    store.record([_event([unit_a, unit_b], "shipping", bizTransactionList=[
        {"type": "po", "bizTransaction": "urn:shequn:order:SQ1"},
        {"type": "bol", "bizTransaction": "urn:shequn:waybill:SF1234567890123"}])])

    def read(key: str, epc: str) -> list[dict]:
        resp = client.get("/epcis/events", {"MATCH_epc": epc}, **_auth(key))
        assert resp.status_code == 200
        return resp.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]

    _, key_a = key_for(a.org, "epcis")
    _, key_b = key_for(b.org, "epcis")
    _, platform = key_for(None, "epcis")
    for key, mine, theirs in ((key_a, unit_a, unit_b), (key_b, unit_b, unit_a)):
        [event] = read(key, mine)
        assert event["epcList"] == [mine]
        assert theirs not in json.dumps(event)
        assert "SF1234567890123" not in json.dumps(event)
        assert {"type": "bol", "bizTransaction": "urn:shequn:waybill:SF****0123"} in \
            event["bizTransactionList"]
        assert read(key, theirs) == []
    [whole] = read(platform, unit_a)
    assert whole["epcList"] == [unit_a, unit_b]
    assert "urn:shequn:waybill:SF1234567890123" in json.dumps(whole)
    # The single-event resource reads the same way.
    resp = client.get(f"/epcis/events/{whole['eventID']}", **_auth(key_a))
    assert resp.status_code == 200 and unit_b not in resp.content.decode()


def test_a_brands_own_capture_comes_back_as_captured(client):
    a = make_brand()
    gtin = gs1.gtin14(make_sku(product=make_product(brand=a.org), gtin=make_gtin()).gtin)
    _, key = key_for(a.org, "epcis")
    unit = gs1.sgtin_urn(gtin, "OWN1")
    free = "urn:epc:id:sscc:0614141.1999999991"
    doc = _doc(_event([unit, free], "shipping", bizTransactionList=[
        {"type": "bol", "bizTransaction": "urn:shequn:waybill:SF1234567890999"}]))
    assert _post(client, key, doc).status_code == 202
    resp = client.get("/epcis/events", {"MATCH_epc": unit}, **_auth(key))
    [event] = resp.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert event["epcList"] == [unit, free]
    assert "SF1234567890999" in json.dumps(event)
