"""The CBV 2.0 event hash ID (CBV 2.0 §8.9): ``ni:///sha-256;<hex>?ver=CBV2.0``.

Pure functions, no Django. The pre-hash string is built as the CBV describes it
and as the reference implementation (``epcis-event-hash-generator``, the test
oracle in tests/trace/test_epcis_hash.py) computes it from JSON-LD:

1. Bare CBV words (``"shipping"`` as bizStep, ``"po"`` as a bizTransaction type …)
   become their web vocabulary URIs (``https://ref.gs1.org/cbv/BizStep-shipping``),
   as JSON-LD expansion against the EPCIS context would make them (the local copy
   of the context, never fetched). Like the reference, a bare string anywhere in
   the document is replaced when exactly one expanded vocabulary URI of the
   document ends in ``-word`` or ``/word``.
2. The event becomes a tree of ``(name, text, children)`` in the XML data model:
   ``…List`` members renamed to their singular (``epcList`` → ``epc``, quantity
   elements → ``quantityElement``), namespace prefixes of the document's
   ``@context`` written as ``{namespace}local``; comments dropped.
3. The standard fields are concatenated in the CBV's order (``PROP_ORDER``) as
   ``name=value``, repeated values sorted; times in UTC with milliseconds and
   ``Z``; numbers without superfluous zeros; old CBV URNs as web URIs; EPC URIs
   and GS1 Digital Link URIs as constrained canonical Digital Link URIs
   (``digital_link``); user extensions after the standard fields, sorted.
   ``eventID``, ``recordTime``, ``errorDeclaration`` (and ``type``) do not count.
4. SHA-256 of the UTF-8 string.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

Node = tuple[Any, str, list[Any]]  # (name, text, children); name a str (or a node pair)

CONTEXT_FILE = Path(__file__).resolve().parent / "data" / "epcis-context.jsonld"

_QTY = [("epcClass", None), ("quantity", None), ("uom", None)]
_SENSOR_META = ["time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData",
                "dataProcessingMethod", "bizRules"]
_SENSOR_REPORT = ["type", "exception", "deviceID", "deviceMetadata", "rawData",
                  "dataProcessingMethod", "time", "microorganism", "chemicalSubstance",
                  "value", "component", "stringValue", "booleanValue", "hexBinaryValue",
                  "uriValue", "minValue", "maxValue", "meanValue", "sDev", "percRank",
                  "percValue", "uom", "coordinateReferenceSystem"]
# The CBV 2.0 order of the standard fields; a sub-list orders a field's children.
# The three typed lists carry (type, value) pairs that no name matches here: they
# end up with the remaining fields, in document order within a pair (as in the
# reference implementation).
PROP_ORDER: list[tuple[Any, Any]] = [
    ("eventTime", None), ("eventTimeZoneOffset", None), ("certificationInfo", None),
    ("parentID", None), ("epcList", [("epc", None)]), ("inputEPCList", [("epc", None)]),
    ("childEPCs", [("epc", None)]),
    ("quantityList", [("quantityElement", _QTY)]),
    ("childQuantityList", [("quantityElement", _QTY)]),
    ("inputQuantityList", [("quantityElement", _QTY)]),
    ("outputEPCList", [("epc", None)]),
    ("outputQuantityList", [("quantityElement", _QTY)]),
    ("action", None), ("transformationID", None), ("bizStep", None), ("disposition", None),
    ("persistentDisposition", [("set", None), ("unset", None)]),
    ("readPoint", [("id", None)]), ("bizLocation", [("id", None)]),
    ("bizTransactionList", [(("type", None), ("bizTransaction", None))]),
    ("sourceList", [(("type", None), ("source", None))]),
    ("destinationList", [(("type", None), ("destination", None))]),
    ("sensorElementList", [("sensorElement", [
        ("sensorMetadata", [(n, None) for n in _SENSOR_META]),
        ("sensorReport", [(n, None) for n in _SENSOR_REPORT])])]),
]
_IGNORED = ("recordTime", "eventID", "type", "errorDeclaration")
_PAIR_LISTS = ("sourceList", "destinationList", "bizTransactionList")
_UNSORTED = ("bizTransaction", "source", "destination")
_OLD_CBV = (("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
            ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
            ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
            ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
            ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"))
_EMPTY: Node = ("", "", [])
_VOCAB_STEMS = ("https://ref.gs1.org/cbv", "https://gs1.org/voc")


# ---------------------------------------------------------------- public API


def event_hash_id(event: dict[str, Any], context: Any = None) -> str:
    """The hash ID of one event (compact JSON-LD) of a document whose ``@context``
    is ``context``."""
    return hash_ids([event], context)[0]


def hash_ids(events: list[dict[str, Any]], context: Any = None) -> list[str]:
    """Hash IDs of the events of one document (vocabulary expansion looks at all
    of them, like the reference does)."""
    return ["ni:///sha-256;" + hashlib.sha256(p.encode("utf-8")).hexdigest() + "?ver=CBV2.0"
            for p in pre_hashes(events, context)]


def pre_hashes(events: list[dict[str, Any]], context: Any = None) -> list[str]:
    doc = {"@context": context if context is not None else [],
           "epcisBody": {"eventList": json.loads(json.dumps(events))}}
    doc = _expand_bare_words(doc)
    namespaces = _namespaces(doc.get("@context"))
    out = []
    for event in doc["epcisBody"]["eventList"]:
        tree = _xml_model(_tree(event, namespaces))
        out.append("eventType=" + str(tree[0]) + _ordered(tree[2], PROP_ORDER)
                   + _rest(tree[2]))
    return out


# ---------------------------------------------------------------- 1. vocabulary


@lru_cache(maxsize=1)
def _context() -> dict[str, Any]:
    ctx: dict[str, Any] = json.loads(CONTEXT_FILE.read_text("utf-8"))["@context"]
    return ctx


_PREFIXES = {"cbv": "https://ref.gs1.org/cbv/", "gs1": "https://gs1.org/voc/"}


def _scoped(active: dict[str, Any], definition: Any) -> dict[str, Any]:
    if not isinstance(definition, dict) or "@context" not in definition:
        return active
    scoped = definition["@context"]
    merged = dict(active)
    for part in scoped if isinstance(scoped, list) else [scoped]:
        if isinstance(part, dict):
            merged.update(part)
    return merged


def _expand_term(text: str, active: dict[str, Any], found: set[str]) -> None:
    term = active.get(text, text)
    if isinstance(term, str) and ":" in term:
        prefix, local = term.split(":", 1)
        if prefix in _PREFIXES:
            found.add(_PREFIXES[prefix] + local)
    if text.startswith(_VOCAB_STEMS):
        found.add(text)


def _expanded_words(value: Any, active: dict[str, Any], found: set[str],
                    vocab: bool = False) -> None:
    """Collect the vocabulary URIs the document's values expand to: words under
    a term whose scoped context names them, compact ``cbv:``/``gs1:`` IRIs and
    full vocabulary URIs."""
    if isinstance(value, str):
        if vocab or value.startswith(("cbv:", "gs1:")):
            _expand_term(value, active, found)
        elif value.startswith(_VOCAB_STEMS):
            found.add(value)
    elif isinstance(value, list):
        for item in value:
            _expanded_words(item, active, found, vocab)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "@context":
                continue
            definition = active.get(key)
            scoped = isinstance(definition, dict) and "@context" in definition
            # Inside a scoped term (persistentDisposition's set/unset), members
            # typed @vocab read their words against that same scoped context.
            inherited = vocab and isinstance(definition, dict) and \
                definition.get("@type") == "@vocab"
            _expanded_words(item, _scoped(active, definition), found, scoped or inherited)


def _replace_words(value: Any, expanded: dict[str, list[str]]) -> Any:
    if isinstance(value, str):
        hits = expanded.get(value)
        return hits[0] if hits is not None and len(hits) == 1 else value
    if isinstance(value, list):
        return [_replace_words(v, expanded) for v in value]
    if isinstance(value, dict):
        return {k: _replace_words(v, expanded) for k, v in value.items()}
    return value


def _suffixes(found: set[str]) -> dict[str, list[str]]:
    """word → the expanded URIs ending in ``-word`` or ``/word`` (each URI once)."""
    out: dict[str, list[str]] = {}
    for uri in found:
        words = {uri[i + 1:] for i, ch in enumerate(uri) if ch in "-/"}
        for word in words:
            out.setdefault(word, []).append(uri)
    return out


def _expand_bare_words(doc: dict[str, Any]) -> dict[str, Any]:
    found: set[str] = set()
    _expanded_words(doc, _context(), found)
    if not found:
        return doc
    replaced: dict[str, Any] = _replace_words(doc, _suffixes(found))
    return replaced


# ---------------------------------------------------------------- 2. the tree


def _namespaces(context: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in context if isinstance(context, list) else []:
        if isinstance(part, str):
            out[part] = part
        elif isinstance(part, dict):
            out.update({k: str(v) for k, v in part.items()})
    return out


def _qualified(text: Any, namespaces: dict[str, str], value: bool = False) -> Any:
    if not isinstance(text, str):
        return text
    prefix, sep, local = text.partition(":")
    if sep and prefix in namespaces:
        return namespaces[prefix] + local if value else "{" + namespaces[prefix] + "}" + local
    return text


def _tree(value: Any, ns: dict[str, str]) -> Node:
    if isinstance(value, list):
        node: Node = ("", "", [_tree(v, ns) for v in value])
    elif isinstance(value, dict):
        name = value["type"] if "type" in value else ""
        text = value["#text"] if "#text" in value else ""
        node = (name, text, [])
        for key, item in value.items():
            if key in ("#text", "rdfs:comment", "comment"):
                continue
            if key.startswith("@xmlns"):
                ns[key[7:]] = item
                node = (_qualified(node[0], ns), node[1], node[2])
                continue
            child = _tree(item, ns)
            key = _qualified(key, ns)
            if isinstance(item, list):
                node[2].extend((key, c[1], c[2]) for c in child[2])
            else:
                node[2].append((key, child[1], child[2]))
    else:
        return ("", str(_qualified(value, ns, value=True)), [])
    if not any(k in value for k in _UNSORTED):
        node[2].sort()
    return node


def _xml_model(node: Node) -> Node:
    """The JSON tree in the XML data model (list members, quantity elements)."""
    if len(node) < 3 or not node[2]:  # a leaf (most nodes): only its name may change
        name = node[0]
        if name in ("inputEPC", "outputEPC"):
            name = "epc"
        elif name in ("inputQuantity", "outputQuantity", "childQuantity"):
            name = "quantityElement"
        return (name, node[1], [])
    children = list(node[2])
    lists: dict[str, list[Node]] = {}
    for c in [c for c in children if isinstance(c[0], str) and c[0].endswith("List")]:
        lists.setdefault(c[0], []).append((c[0][:-4], c[1], c[2]))
        children.remove(c)
    for name, members in lists.items():
        if name in _PAIR_LISTS:
            # (type, value) pairs; a member without a type gets an empty node.
            children.append((name, "", [(m[2][0], m[2][1]) if len(m[2]) > 1
                                        else (m[2][0] if m[2] else _EMPTY, _EMPTY)
                                        for m in members]))
        else:
            children.append((name, "", members))
    child_epcs = [c for c in children if c[0] == "childEPCs"]
    for c in child_epcs:
        children.remove(c)
    if child_epcs:
        children.append(("childEPCs", "", [("epc", c[1], []) for c in child_epcs]))
    fixed = [c if c[0] in _PAIR_LISTS else _xml_model(c) for c in children]
    name = node[0]
    if name in ("inputEPC", "outputEPC"):
        name = "epc"
    elif name in ("inputQuantity", "outputQuantity", "childQuantity") or (
            name == "quantity" and fixed):
        name = "quantityElement"
    return (name, node[1], fixed)


# ---------------------------------------------------------------- 3. pre-hash


def _extensions(children: list[Any]) -> list[Any]:
    """User extensions inside a standard field (readPoint, sensorReport …): they
    follow that field's own values. Top-level extensions go at the end instead."""
    if len(children) <= 1 or any("eventTime" in c[0] or "action" in c[0] for c in children):
        return []
    found = [c for c in children if isinstance(c, tuple) and "{" in c[0] and "/}" in c[0]]
    for c in found:
        children.remove(c)
    return found


def _ordered(children: list[Any], order: Iterable[tuple[Any, Any]]) -> str:
    out = ""
    extensions = _extensions(children)
    named: dict[str, list[Any]] = {}
    for c in children:
        if isinstance(c[0], str):
            named.setdefault(c[0], []).append(c)
    for name, sub in order:
        group = named.get(name) if isinstance(name, str) else \
            [c for c in children if c[0] == name]
        if not group:
            continue
        values = []
        for child in group:
            text = _field(child, sub)
            if text:
                values.append(text)
            if not child[2]:
                children.remove(child)
        values.sort()
        out += "".join(values)
    if extensions:
        out += _generic(extensions)
    return out


def _field(child: Node, sub: Any) -> str:
    inner = _ordered(child[2], sub) if sub else ""
    text = ""
    if child[1]:
        text = child[1].strip()
        lname = child[0].lower()
        text = _utc(text) if "time" in lname and "offset" not in lname else _canonical(text)
        if text:
            text = "=" + text
    return child[0] + text + inner if (text or inner) else ""


def _rest(children: list[Any]) -> str:
    left = [c for c in children if c[0] not in _IGNORED]
    return _generic(left) if left else ""


def _generic(children: list[Any]) -> str:
    values = []
    for child in children:
        if isinstance(child, tuple) and len(child) == 2 and isinstance(child[0], tuple):
            values.append(_generic(list(child)))
        else:
            text = child[1].strip()
            if text:
                text = "=" + _canonical(text)
            values.append(child[0] + text + _generic(child[2]))
    if len(children) > 1 and not any(c[0] in _UNSORTED for c in children):
        values.sort()
    return "".join(values)


def _utc(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a local time, as the reference reads it
    moment = moment.astimezone(UTC)
    micro = round(moment.microsecond, -3)
    moment = moment.replace(microsecond=0) + timedelta(microseconds=micro)
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"


def _canonical(text: str) -> str:
    if "urn:epcglobal:cbv:" in text:
        for old, new in _OLD_CBV:
            text = text.replace(old, new)
    # float() reads only what starts with a digit (any script), sign, dot, inf or nan.
    if text[:1] in _NUMBER_START or not text[:1].isascii():
        try:
            number = float(text)
            text = str(int(number) if int(number) == number else number)
        except (ValueError, OverflowError):
            pass
    return digital_link(text) or text


_NUMBER_START = frozenset("0123456789+-.iInN_ \t\n")


# ---------------------------------------------------------------- EPC → Digital Link

_CD_ENCODE = str.maketrans({"!": "%21", "(": "%28", ")": "%29", "*": "%2A", "+": "%2B",
                            ",": "%2C", ":": "%3A"})
_URN_CHAR = r"(?:%[0-9A-Fa-f]{2}|[!')(*+,.0-9:;=A-Za-z_-])"
_DL_CHAR = r"[\"'\-.0-9;-?A-Z_a-z]"


def _cd(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def _enc(text: str) -> str:
    return text.translate(_CD_ENCODE)


def _gtin(cp: str, ir: str) -> str:
    return _cd(ir[:1] + cp + ir[1:])


def _split(uri: str, scheme: str, parts: int) -> list[str] | None:
    if not uri.startswith(scheme):
        return None
    fields = uri[len(scheme):].split(".", parts - 1)
    if len(fields) != parts or not fields[0].isdigit() or not 6 <= len(fields[0]) <= 12:
        return None
    return fields


def _digits(text: str, n: int) -> bool:
    return text.isdigit() and len(text) == n


def _serial(text: str, most: int) -> bool:
    return re.fullmatch(_URN_CHAR + f"{{1,{most}}}", text) is not None


def _from_urn(uri: str) -> str | None:
    root = "https://id.gs1.org/"
    if f := _split(uri, "urn:epc:id:sgtin:", 3):
        if _digits(f[1], 13 - len(f[0])) and _serial(f[2], 20):
            return f"{root}01/{_gtin(f[0], f[1])}/21/{_enc(f[2])}"
    elif f := _split(uri, "urn:epc:id:sscc:", 2):
        if _digits(f[1], 17 - len(f[0])):
            return f"{root}00/{_cd(f[1][:1] + f[0] + f[1][1:])}"
    elif f := _split(uri, "urn:epc:id:sgln:", 3):
        if ((f[1] == "" and len(f[0]) == 12) or _digits(f[1], 12 - len(f[0]))) \
                and _serial(f[2], 20):
            gln = _cd(f[0] + f[1])
            return f"{root}414/{gln}" + ("" if f[2] == "0" else f"/254/{_enc(f[2])}")
    elif f := _split(uri, "urn:epc:id:grai:", 3):
        if ((f[1] == "" and len(f[0]) == 12) or _digits(f[1], 12 - len(f[0]))) \
                and _serial(f[2], 16):
            return f"{root}8003/{_cd('0' + f[0] + f[1])}{_enc(f[2])}"
    elif f := _split(uri, "urn:epc:id:giai:", 2):
        if _serial(f[1], 30 - len(f[0])):
            return f"{root}8004/{f[0]}{_enc(f[1])}"
    elif f := _split(uri, "urn:epc:id:gsrnp:", 2):
        if _digits(f[1], 17 - len(f[0])):
            return f"{root}8017/{_cd(f[0] + f[1])}"
    elif f := _split(uri, "urn:epc:id:gsrn:", 2):
        if _digits(f[1], 17 - len(f[0])):
            return f"{root}8018/{_cd(f[0] + f[1])}"
    elif f := _split(uri, "urn:epc:id:gdti:", 3):
        if ((f[1] == "" and len(f[0]) == 12) or _digits(f[1], 12 - len(f[0]))) \
                and _serial(f[2], 17):
            return f"{root}253/{_cd(f[0] + f[1])}{_enc(f[2])}"
    elif f := _split(uri, "urn:epc:id:cpi:", 2):
        ref, _dot, serial = f[1].rpartition(".")
        if ref and serial.isdigit() and len(serial) <= 12 \
                and re.fullmatch(r"(?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])+", ref):
            return f"{root}8010/{_enc(f[0] + ref)}/8011/{serial}"
    elif f := _split(uri, "urn:epc:id:sgcn:", 3):
        if ((f[1] == "" and len(f[0]) == 12) or _digits(f[1], 12 - len(f[0]))) \
                and f[2].isdigit() and len(f[2]) <= 12:
            return f"{root}255/{_cd(f[0] + f[1])}{f[2]}"
    elif f := _split(uri, "urn:epc:id:ginc:", 2):
        if _serial(f[1], 30 - len(f[0])):
            return f"{root}401/{f[0]}{_enc(f[1])}"
    elif f := _split(uri, "urn:epc:id:gsin:", 2):
        if _digits(f[1], 16 - len(f[0])):
            return f"{root}402/{_cd(f[0] + f[1])}"
    elif f := _split(uri, "urn:epc:id:itip:", 5):
        if _digits(f[1], 13 - len(f[0])) and _digits(f[2], 2) and _digits(f[3], 2) \
                and _serial(f[4], 20):
            return f"{root}8006/{_gtin(f[0], f[1])}{f[2]}{f[3]}/21/{_enc(f[4])}"
    elif f := _split(uri, "urn:epc:id:upui:", 3):
        if _digits(f[1], 13 - len(f[0])) and _serial(f[2], 28):
            return f"{root}01/{_gtin(f[0], f[1])}/235/{_enc(f[2])}"
    elif f := _split(uri, "urn:epc:id:pgln:", 2):
        if (f[1] == "" and len(f[0]) == 12) or _digits(f[1], 12 - len(f[0])):
            return f"{root}417/{_cd(f[0] + f[1])}"
    elif f := _split(uri, "urn:epc:class:lgtin:", 3):
        if _digits(f[1], 13 - len(f[0])) and _serial(f[2], 20):
            return f"{root}01/{_gtin(f[0], f[1])}/10/{_enc(f[2])}"
    elif uri.startswith("urn:epc:idpat:"):
        return _from_pattern(uri)
    return None


def _from_pattern(uri: str) -> str | None:
    root = "https://id.gs1.org/"
    for scheme in ("sgtin", "upui"):
        if (f := _split(uri, f"urn:epc:idpat:{scheme}:", 3)) and f[2] == "*" \
                and _digits(f[1], 13 - len(f[0])):
            return f"{root}01/{_gtin(f[0], f[1])}"
    if (f := _split(uri, "urn:epc:idpat:itip:", 5)) and f[4] == "*" \
            and _digits(f[1], 13 - len(f[0])) and _digits(f[2], 2) and _digits(f[3], 2):
        return f"{root}8006/{_gtin(f[0], f[1])}{f[2]}{f[3]}"
    for scheme, ai, lead in (("grai", "8003", "0"), ("gdti", "253", ""), ("sgcn", "255", "")):
        if (f := _split(uri, f"urn:epc:idpat:{scheme}:", 3)) and f[2] == "*" and (
                (f[1] == "" and len(f[0]) == 12) or _digits(f[1], 12 - len(f[0]))):
            return f"{root}{ai}/{_cd(lead + f[0] + f[1])}"
    if (f := _split(uri, "urn:epc:idpat:cpi:", 2)) and f[1].endswith(".*"):
        return f"{root}8010/{_enc(f[0] + f[1][:-2])}"
    return None


_DL_KEYS = ("00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006",
            "8010", "8017", "8018")
_DL_ALPHA = {"gtin": "01", "itip": "8006", "cpid": "8010", "gln": "414", "party": "417",
             "gsrnp": "8017", "gsrn": "8018", "gcn": "255", "sscc": "00", "gdti": "253",
             "ginc": "401", "gsin": "402", "grai": "8003", "giai": "8004", "cpv": "22",
             "lot": "10", "ser": "21"}
_DL_PRIMARY = re.compile(
    r"^https?://[^/?#]*(?:/[^?#]*)?/(01|gtin|8006|itip|8010|cpid|414|gln|417|party|8017|gsrnp"
    r"|8018|gsrn|255|gcn|00|sscc|253|gdti|401|ginc|402|gsin|8003|grai|8004|giai)/\d{4}")
_DL_VALID = [re.compile(p + "$") for p in (
    r"00/\d{18}", rf"01/\d{{14}}/21/{_DL_CHAR}{{0,20}}", rf"01/\d{{14}}/10/{_DL_CHAR}{{0,20}}",
    r"01/\d{14}", rf"01/\d{{14}}/235/{_DL_CHAR}{{0,28}}", rf"253/\d{{13}}{_DL_CHAR}{{0,17}}",
    r"255/\d{13}\d{0,12}", rf"401/{_DL_CHAR}{{0,30}}", r"402/\d{17}", r"414/\d{13}",
    rf"414/\d{{13}}/254/{_DL_CHAR}{{0,20}}", r"417/\d{13}",
    rf"8003/\d{{14}}{_DL_CHAR}{{0,16}}", rf"8004/{_DL_CHAR}{{0,30}}",
    rf"8006/\d{{18}}/21/{_DL_CHAR}{{0,20}}", rf"8006/\d{{18}}/10/{_DL_CHAR}{{0,20}}",
    r"8006/\d{18}", r"8010/[#\-/0-9A-Z]{0,30}/8011/\d{0,12}", r"8010/[#\-/0-9A-Z]{0,30}",
    r"8017/\d{18}", r"8018/\d{18}")]


def _from_web(uri: str) -> str | None:
    if not _DL_PRIMARY.match(uri):
        return None
    uri = uri.split("?", 1)[0].split("#", 1)[0]
    parts = uri.split("/")
    path = [_DL_ALPHA.get(p, p) for p in parts[3:]]
    start = next((i for key in _DL_KEYS for i, p in enumerate(path) if p == key), None)
    if start is None:
        return None
    segs = path[start:]
    key, value, quals = segs[0], segs[1] if len(segs) > 1 else "", segs[2:]
    if key == "01":
        value = value.zfill(14) if len(value) in (8, 12, 13) else value
    pairs = dict(zip(quals[0::2], quals[1::2], strict=False))
    tail = ""
    if key in ("01", "8006"):
        # Only the finest level: a serial wins over a lot; a CPV is dropped.
        if "21" in pairs:
            tail = f"/21/{pairs['21']}"
        elif "10" in pairs:
            tail = f"/10/{pairs['10']}"
        elif "235" in pairs:
            tail = f"/235/{pairs['235']}"
    elif quals:
        tail = "/" + "/".join(quals)
    body = f"{key}/{value}{tail}"
    if any(p.match(body) for p in _DL_VALID):
        return "https://id.gs1.org/" + body
    return None


def digital_link(uri: str) -> str | None:
    """The constrained canonical GS1 Digital Link URI of an EPC URI, EPC class or
    pattern URI or Digital Link URI (any host); None for anything else."""
    if not isinstance(uri, str) or "." not in uri:
        return None
    if uri.startswith("urn:epc:"):
        return _from_urn(uri)
    return _from_web(uri)
