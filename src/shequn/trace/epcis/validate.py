"""Validation of captured EPCIS 2.0 documents against GS1's JSON schema
(data/EPCIS-JSON-Schema.json, gs1/EPCIS @ 2b888be, 2023-05-16) with URI and
date-time formats checked (rfc3986-validator and rfc3339-validator: without
them jsonschema lets non-standard bizSteps, dispositions and un-namespaced ILMD
keys through) and the CBV 2.0 vocabularies the schema enumerates.

Three reasoned deviations from that 2023 schema, which lags vocabulary the
standard's own test documents use (OpenEPCIS test resources, Apache-2.0):
``persistentDisposition`` on AggregationEvent, the measurement types
``Molar_concentration`` and ``EffectiveDoseRate``, and a sensor report that
carries only an ``exception`` (an alarm) without a measurement ``type``. All
three are accepted."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft7Validator, FormatChecker

SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "EPCIS-JSON-Schema.json"
EXTRA_MEASUREMENT_TYPES = ("Molar_concentration", "EffectiveDoseRate")
MAX_ERRORS = 20


@dataclass(frozen=True)
class Problem:
    path: str  # JSON pointer of the offending value
    message: str


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text("utf-8"))
    defs = schema["definitions"]
    aggregation = next(part for part in defs["AggregationEvent"]["allOf"]
                       if isinstance(part, dict) and "properties" in part)
    aggregation["properties"]["persistentDisposition"] = {
        "$ref": "#/definitions/persistentDisposition"}
    for option in aggregation["propertyNames"]["anyOf"]:
        if "enum" in option:
            option["enum"] = [*option["enum"], "persistentDisposition"]
    report = defs["sensorReport"]
    if "type" in report.get("required", []):
        # An alarm (exception) without a measurement type.
        report["required"] = [r for r in report["required"] if r != "type"]
        report["anyOf"] = [{"required": ["type"]}, {"required": ["exception"]}]
    for option in defs["measurementType"]["anyOf"]:
        if "enum" in option:
            option["enum"] = [*option["enum"], *EXTRA_MEASUREMENT_TYPES]
    return schema


@lru_cache(maxsize=1)
def _validator() -> Draft7Validator:
    return Draft7Validator(_schema(), format_checker=FormatChecker())


@lru_cache(maxsize=1)
def _fast() -> Any:
    # The same schema compiled to Python (fastjsonschema, with its uri and
    # date-time format checks): about 30 times faster than jsonschema on a
    # document of 1,000 events, so bulk capture is not bound by validation.
    return fastjsonschema.compile(_fast_schema())


def _fast_schema() -> dict[str, Any]:
    """The schema with each ``propertyNames`` anyOf flattened and its lists of
    names merged into one enum, tried first (and in every anyOf, the options
    that are lists of words before the others): the same set of accepted names,
    but a member named in the event's own list (``epcList``, ``bizStep`` …) no
    longer fails the common-properties branch first (an exception, with its
    message built, for most members of every event). Only the compiled check
    uses it; jsonschema keeps the schema as published for its messages."""
    schema = copy.deepcopy(_schema())
    defs = schema["definitions"]

    def options(option: Any) -> list[Any]:
        ref = option.get("$ref", "") if isinstance(option, dict) else ""
        if ref.startswith("#/definitions/"):
            target = defs.get(ref.removeprefix("#/definitions/"))
            if isinstance(target, dict) and set(target) == {"anyOf"}:
                return [o for t in target["anyOf"] for o in options(t)]
        return [option]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            names = node.get("propertyNames")
            if isinstance(names, dict) and set(names) == {"anyOf"}:
                flat = [o for option in names["anyOf"] for o in options(option)]
                enums = [o for o in flat if isinstance(o, dict) and set(o) == {"type", "enum"}
                         and o["type"] == "string"]
                if enums:
                    merged = {"type": "string",
                              "enum": sorted({v for o in enums for v in o["enum"]})}
                    node["propertyNames"] = {"anyOf": [merged,
                                                       *[o for o in flat if o not in enums]]}
            if isinstance(node.get("anyOf"), list):
                # Lists of words first (bizStep "receiving" is a CBV word far
                # more often than another vocabulary's URI); any order accepts
                # the same values.
                node["anyOf"] = sorted(node["anyOf"], key=lambda o: not (
                    isinstance(o, dict) and "enum" in o and "$ref" not in o))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def problems(document: Any) -> list[Problem]:
    """Every reason ``document`` is not a valid EPCIS 2.0 document (empty when it is)."""
    if not isinstance(document, dict):
        return [Problem("", "the document must be a JSON object")]
    try:
        _fast()(document)
        return []
    except fastjsonschema.JsonSchemaException as exc:
        fast_reason = Problem("", str(exc)[:300])
    # Refused: jsonschema (with the RFC 3986 / 3339 format checkers) says where
    # and why, error by error; if it finds nothing, the compiled check's reason.
    found = []
    for error in sorted(_validator().iter_errors(document), key=lambda e: list(e.path)):
        pointer = "/" + "/".join(str(p) for p in error.absolute_path)
        found.append(Problem(pointer, _message(error)))
        if len(found) >= MAX_ERRORS:
            break
    return found or [fast_reason]


def _message(error: Any) -> str:
    # anyOf/oneOf failures say little on their own: name the deepest cause.
    best = error
    while best.context:
        best = min(best.context, key=lambda e: (-len(e.absolute_path), str(e.message)))
    text = best.message if best is not error else error.message
    return text[:300]
