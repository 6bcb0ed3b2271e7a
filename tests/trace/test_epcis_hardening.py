"""Odd input a client (or an attacker) may send the /epcis/ binding: every one
answered with problem details and a code, never a 500; and the binding's
rules on ``orderDirection``, ``eventCountLimit`` and ``maxEventCount``."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from shequn.trace import gs1
from shequn.trace.models import CaptureJob, EpcisEvent
from tests.builders.console import key_for, make_brand
from tests.trace.test_epcis_probes import CTX, _auth, _doc, _event, _gtin_of, _ids, _post

pytestmark = pytest.mark.django_db


def _problem(resp, status: int, code: str | None = None) -> dict:
    assert resp.status_code == status, resp.content[:300]
    assert resp["Content-Type"] == "application/problem+json"
    assert resp["GS1-EPCIS-Version"] == "2.0.0"
    body = resp.json()
    assert body["type"].startswith("epcisException:") and body["code"]
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture
def key():
    return key_for(None, "epcis")[1]


def _seven(client, key) -> None:
    events = [_event([f"urn:epc:id:sgtin:0614141.107346.{i}"]) for i in range(7)]
    assert _post(client, key, _doc(*events)).status_code == 202
    assert EpcisEvent.objects.count() == 7


@pytest.mark.parametrize("path", [
    "/epcis/events?EQ_action=ADD%00", "/epcis/events?EQ_bizStep=x%00",
    "/epcis/events?MATCH_epc=urn%00", "/epcis/events?EQ_eventID=%00",
    "/epcis/events?EQ_bizTransaction_po=a%00", "/epcis/events?EQ_bizTransaction_%00=a",
    "/epcis/events/urn:uuid:%00", "/epcis/epcs/urn%00/events",
])
def test_a_nul_character_in_the_path_or_query_is_a_400_problem(client, key, path):
    # PostgreSQL text cannot hold NUL: the query raised DataError (a 500).
    _problem(client.get(path, **_auth(key)), 400, "invalid_characters")


@pytest.mark.parametrize("payload", ['{"after": 1e400}', '{"after": -1e400}'])
def test_a_page_token_of_an_infinite_number_is_a_400_problem(client, key, payload):
    token = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    _problem(client.get("/epcis/events", {"nextPageToken": token}, **_auth(key)), 400,
             "epcis_bad_page_token")


@pytest.mark.parametrize("params", [
    {"orderDirection": "SIDEWAYS"}, {"orderDirection": ""},
    {"eventCountLimit": "0"}, {"eventCountLimit": "-5"},
    {"maxEventCount": "0"}, {"maxEventCount": "-1"},
    {"eventCountLimit": "2", "maxEventCount": "2"},
    {"eventCountLimit": "2"},                    # without the order that says which first
    {"orderBy": "bizStep"}, {"orderBy": ""}, {"orderBy": "eventtime"},
])
def test_the_bindings_query_parameter_rules_are_400_problems(client, key, params):
    body = _problem(client.get("/epcis/events", params, **_auth(key)), 400,
                    "epcis_bad_parameter")
    assert body["type"] == "epcisException:QueryParameterException"


def test_event_count_limit_limits_the_events_of_every_page_together(client, key):
    # "the results will only include the first N events": following the Link
    # header must not bring the rest.
    _seven(client, key)
    seen: list[str] = []
    params = {"eventCountLimit": "5", "orderBy": "eventTime", "perPage": "2"}
    for _ in range(10):
        resp = client.get("/epcis/events", params, **_auth(key))
        seen += _ids(resp)
        if not resp.has_header("Link"):
            break
        link = resp["Link"].split(";")[0].strip("<>")
        params = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert len(seen) == 5 and len(set(seen)) == 5


def test_max_event_count_exceeded_is_query_too_large_not_a_truncated_page(client, key):
    _seven(client, key)
    body = _problem(client.get("/epcis/events", {"maxEventCount": "6"}, **_auth(key)), 413,
                    "epcis_query_too_large")
    assert body["type"] == "epcisException:QueryTooLargeException"
    assert len(_ids(client.get("/epcis/events", {"maxEventCount": "7"}, **_auth(key)))) == 7


@pytest.mark.parametrize("bad", [
    # A lone surrogate escape passes the schema's uri format; jsonb refuses it.
    lambda d: d["epcisBody"]["eventList"][0].update(
        readPoint={"id": "urn:epc:id:sgln:0614141.00777.\ud800"}),
    lambda d: d["epcisBody"]["eventList"][0].update(
        readPoint={"id": "urn:epc:id:sgln:0614141.00777.\u0000"}),
    # json.loads reads NaN, Infinity and 1e400 (as infinity): jsonb has none of them.
    lambda d: d["epcisBody"]["eventList"][0].update(
        quantityList=[{"epcClass": "urn:epc:class:lgtin:0614141.107346.L1",
                       "quantity": float("nan")}]),
    lambda d: d["epcisBody"]["eventList"][0].update(
        quantityList=[{"epcClass": "urn:epc:class:lgtin:0614141.107346.L1",
                       "quantity": float("inf")}]),
    "1e400",
])
def test_a_document_jsonb_cannot_hold_is_a_400_problem_nothing_stored(client, key, bad):
    doc = _doc(_event(["urn:epc:id:sgtin:0614141.107346.9"]))
    if callable(bad):
        bad(doc)
        body = json.dumps(doc)
    else:
        doc["epcisBody"]["eventList"][0]["quantityList"] = [
            {"epcClass": "urn:epc:class:lgtin:0614141.107346.L1", "quantity": 12345.5}]
        body = json.dumps(doc).replace("12345.5", bad)
    resp = client.post("/epcis/capture", data=body.encode("utf-8", "surrogatepass"),
                       content_type="application/json", **_auth(key))
    _problem(resp, 400)
    assert CaptureJob.objects.count() == 0 and EpcisEvent.objects.count() == 0


@pytest.mark.parametrize("ctype", ["text/plain", "application/xml",
                                   "application/x-www-form-urlencoded"])
def test_capture_of_another_media_type_is_a_415_problem(client, key, ctype):
    doc = json.dumps(_doc(_event(["urn:epc:id:sgtin:0614141.107346.8"])))
    resp = client.post("/epcis/capture", data=doc, content_type=ctype, **_auth(key))
    body = _problem(resp, 415)
    assert body["type"] == "epcisException:UnsupportedMediaTypeException"
    assert CaptureJob.objects.count() == 0


@pytest.mark.parametrize("ctype", ["application/json; charset=utf-8", "application/ld+json"])
def test_capture_as_json_or_json_ld_is_accepted(client, key, ctype):
    doc = _doc(_event(["urn:epc:id:sgtin:0614141.107346.8"]))
    doc["@context"] = CTX
    resp = client.post("/epcis/capture", data=json.dumps(doc), content_type=ctype,
                       **_auth(key))
    assert resp.status_code == 202, resp.content[:300]


def test_a_masked_waybill_cannot_be_confirmed_by_querying_for_it(client):
    """A brand reads the waybill of an order Shequn shipped masked (SF****0123);
    EQ_bizTransaction_bol with the whole number (or a hundred guesses joined
    by |) must not tell it which guess was right. Its own captures match."""
    from shequn.trace.epcis import store
    from tests.builders.catalog import make_gtin, make_product, make_sku
    from tests.builders.console import make_brand

    a = make_brand()
    gtin = gs1.gtin14(make_sku(product=make_product(brand=a.org), gtin=make_gtin()).gtin)
    waybill = "urn:shequn:waybill:SF12340123"
    store.record([_event([gs1.sgtin_urn(gtin, "W1")], bizTransactionList=[
        {"type": "po", "bizTransaction": "urn:shequn:order:SQ9"},
        {"type": "bol", "bizTransaction": waybill}])])
    _, key = key_for(a.org, "epcis")
    assert _ids(client.get("/epcis/events", {"MATCH_epc": gs1.sgtin_urn(gtin, "W1")},
                           **_auth(key)))
    guesses = "|".join(f"urn:shequn:waybill:SF{n:04d}0123" for n in range(1200, 1300))
    for value in (waybill, guesses):
        assert _ids(client.get("/epcis/events", {"EQ_bizTransaction_bol": value},
                               **_auth(key))) == []
    # Nor by a value or a type that spans two lines of the stored transactions.
    for name, value in (("EQ_bizTransaction_po", f"urn:shequn:order:SQ9\nbol={waybill}"),
                        ("EQ_bizTransaction_po=urn:shequn:order:SQ9\nbol", waybill)):
        resp = client.get("/epcis/events", {name: value}, **_auth(key))
        assert resp.status_code == 400 or _ids(resp) == [], resp.content[:300]
    # The platform, and a brand for a waybill in its own capture, still match.
    _, platform = key_for(None, "epcis")
    assert _ids(client.get("/epcis/events", {"EQ_bizTransaction_bol": waybill},
                           **_auth(platform)))
    own = "urn:shequn:waybill:SF99990123"
    assert _post(client, key, _doc(_event([gs1.sgtin_urn(gtin, "W2")], bizTransactionList=[
        {"type": "bol", "bizTransaction": own}]))).status_code == 202
    assert len(_ids(client.get("/epcis/events", {"EQ_bizTransaction_bol": own},
                               **_auth(key)))) == 1


def test_a_capture_error_behaviour_the_binding_does_not_have_is_a_400_problem(client, key):
    doc = json.dumps(_doc(_event(["urn:epc:id:sgtin:0614141.107346.3"])))
    resp = client.post("/epcis/capture", data=doc, content_type="application/json",
                       HTTP_GS1_CAPTURE_ERROR_BEHAVIOUR="bogus", **_auth(key))
    assert _problem(resp, 400)["type"] == "epcisException:ValidationException"
    assert CaptureJob.objects.count() == 0
    for value in ("rollback", "proceed", "all"):
        resp = client.post("/epcis/capture", data=doc, content_type="application/json",
                           HTTP_GS1_CAPTURE_ERROR_BEHAVIOUR=value, **_auth(key))
        assert resp.status_code == 202, resp.content[:300]


def _times(client, key, n: int, times: list[str]) -> None:
    """``n`` events whose event times are ``times`` (given out of the id order)."""
    events = []
    for i, at in enumerate(times):
        event = _event([f"urn:epc:id:sgtin:0614141.107346.T{i}"])
        event["eventTime"] = at
        events.append(event)
    assert _post(client, key, _doc(*events)).status_code == 202
    assert EpcisEvent.objects.count() == n


def _all_pages(client, key, params: dict) -> list[EpcisEvent]:
    got: list[str] = []
    for _ in range(20):
        resp = client.get("/epcis/events", params, **_auth(key))
        assert resp.status_code == 200, resp.content[:300]
        got += _ids(resp)
        if not resp.has_header("Link"):
            break
        link = resp["Link"].split(";")[0].strip("<>")
        params = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    by_id = {e.event_id: e for e in EpcisEvent.objects.all()}
    return [by_id[i] for i in got]


# Out of the order they are captured in, two of them at the same instant.
TIMES = ["2026-03-05T10:00:00Z", "2026-01-02T08:00:00Z", "2026-03-05T10:00:00Z",
         "2025-12-31T23:00:00Z", "2026-02-01T00:00:00+08:00", "2026-01-15T12:30:00Z"]


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_order_by_event_time_pages_through_every_event_once_in_that_order(client, key,
                                                                          direction):
    _times(client, key, len(TIMES), TIMES)
    rows = _all_pages(client, key, {"orderBy": "eventTime", "orderDirection": direction,
                                    "perPage": "2"})
    assert len(rows) == len(TIMES) and len({r.pk for r in rows}) == len(TIMES)
    keys = [(r.event_time, r.pk) for r in rows]
    assert keys == sorted(keys, reverse=direction == "DESC")


def test_event_count_limit_takes_the_first_events_by_the_order_asked(client, key):
    _times(client, key, len(TIMES), TIMES)
    rows = _all_pages(client, key, {"orderBy": "eventTime", "orderDirection": "DESC",
                                    "eventCountLimit": "3", "perPage": "2"})
    latest = sorted(EpcisEvent.objects.all(), key=lambda e: (e.event_time, e.pk),
                    reverse=True)[:3]
    assert [r.pk for r in rows] == [e.pk for e in latest]


def test_a_page_token_answers_only_the_order_it_was_made_for(client, key):
    _times(client, key, len(TIMES), TIMES)
    first = client.get("/epcis/events", {"orderBy": "eventTime", "perPage": "2"}, **_auth(key))
    token = parse_qs(urlsplit(first["Link"].split(";")[0].strip("<>")).query)["nextPageToken"][0]
    for params in ({"orderBy": "recordTime"}, {}):
        _problem(client.get("/epcis/events", {**params, "nextPageToken": token, "perPage": "2"},
                            **_auth(key)), 400, "epcis_bad_page_token")


def test_options_discovers_the_methods_versions_and_capture_limits(client, key):
    resp = client.options("/epcis/capture", **_auth(key))
    assert resp.status_code == 204 and not resp.content
    assert resp["Allow"] == "GET, POST, HEAD, OPTIONS"
    assert resp["GS1-EPCIS-Version"] == "2.0.0" and resp["GS1-CBV-Version"] == "2.0.0"
    assert int(resp["GS1-EPCIS-Capture-Limit"]) > 0
    assert int(resp["GS1-EPCIS-Capture-File-Size-Limit"]) > 0
    assert resp["GS1-Capture-Error-Behaviour"] == "rollback"
    events = client.options("/epcis/events", **_auth(key))
    assert events.status_code == 204 and events["Allow"] == "GET, HEAD, OPTIONS"
    # Discovery is the repository's, for its clients: a key is asked for.
    _problem(client.options("/epcis/events"), 401, "bad_api_key")


def test_head_answers_as_get_without_a_body(client, key):
    _seven(client, key)
    resp = client.head("/epcis/events", **_auth(key))
    assert resp.status_code == 200 and resp.content == b""
    assert resp["GS1-EPCIS-Version"] == "2.0.0"


def test_the_top_level_lists_the_resources_this_repository_has(client, key):
    resp = client.get("/epcis/", **_auth(key))
    assert resp.status_code == 200
    assert resp.json()["member"] == ["capture", "events", "eventTypes", "epcs"]


def test_the_capture_jobs_are_listed_newest_first_to_their_own_organization(client):
    brand_a, brand_b = make_brand(), make_brand()
    gtin_a, gtin_b = _gtin_of(brand_a), _gtin_of(brand_b)
    a = brand_a.org
    _, key_a = key_for(a, "epcis")
    _, key_b = key_for(brand_b.org, "epcis")
    _, platform = key_for(None, "epcis")
    for i in range(3):
        assert _post(client, key_a, _doc(_event([gs1.sgtin_urn(gtin_a, f"A{i}")]))
                     ).status_code == 202
    assert _post(client, key_b, _doc(_event([gs1.sgtin_urn(gtin_b, "B0")]))).status_code == 202
    own = {str(j.pk) for j in CaptureJob.objects.filter(org=a)}
    listed: list[str] = []
    params = {"perPage": "2"}
    for _ in range(5):
        resp = client.get("/epcis/capture", params, **_auth(key_a))
        assert resp.status_code == 200, resp.content[:300]
        page = resp.json()
        assert all(set(job) >= {"captureID", "running", "success", "captureErrorBehaviour",
                                "errors"} for job in page)
        listed += [job["captureID"] for job in page]
        if not resp.has_header("Link"):
            break
        link = resp["Link"].split(";")[0].strip("<>")
        params = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert set(listed) == own and len(listed) == 3
    created = {str(j.pk): (j.created_at, str(j.pk)) for j in CaptureJob.objects.all()}
    assert [created[i] for i in listed] == sorted((created[i] for i in listed), reverse=True)
    assert len(client.get("/epcis/capture", **_auth(key_b)).json()) == 1
    assert len(client.get("/epcis/capture", **_auth(platform)).json()) == 4
    _problem(client.get("/epcis/capture", {"EQ_action": "ADD"}, **_auth(key_a)), 400,
             "epcis_unknown_parameter")
    _problem(client.get("/epcis/capture", {"nextPageToken": "bm90IGpzb24"}, **_auth(key_a)),
             400, "epcis_bad_page_token")


@pytest.mark.parametrize("headers", [
    {"HTTP_ACCEPT": "application/xml"}, {"HTTP_ACCEPT": "text/html"},
    {"HTTP_GS1_EPCIS_MIN": "2.1.0"}, {"HTTP_GS1_EPCIS_MAX": "1.2.0"},
    {"HTTP_GS1_CBV_MIN": "3.0"}, {"HTTP_GS1_EPCIS_MIN": "two"},
])
def test_an_answer_the_client_cannot_take_is_a_406_problem(client, key, headers):
    body = _problem(client.get("/epcis/events", **headers, **_auth(key)), 406,
                    "epcis_not_acceptable")
    assert body["type"] == "epcisException:NotAcceptableException"


@pytest.mark.parametrize("headers", [
    {}, {"HTTP_ACCEPT": "*/*"}, {"HTTP_ACCEPT": "application/ld+json"},
    {"HTTP_ACCEPT": "application/xml;q=0.9, application/json;q=0.5"},
    {"HTTP_GS1_EPCIS_MIN": "1.2.0", "HTTP_GS1_EPCIS_MAX": "2.0.0"},
    {"HTTP_GS1_EPCIS_MIN": "2.0", "HTTP_GS1_CBV_MAX": "2.1.0"},
    {"HTTP_GS1_EPCIS_MAX": "2.0", "HTTP_GS1_CBV_MIN": "2"},
])
def test_what_the_client_can_take_is_answered(client, key, headers):
    assert client.get("/epcis/events", **headers, **_auth(key)).status_code == 200
