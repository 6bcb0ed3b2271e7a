"""The v2 XML body: ``<xml><k><![CDATA[v]]></k>…</xml>``, flat. Parsing
refuses entities, DTDs and network access; anything that is not a flat
``<xml>`` document raises ``CodecError``."""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree


class CodecError(ValueError):
    """The body is not a v2 XML message."""


MAX_BYTES = 64 * 1024


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True)


def dumps(params: Mapping[str, object]) -> bytes:
    """Every non-empty value as CDATA (numbers too, as WeChat's own examples)."""
    root = etree.Element("xml")
    for key, value in params.items():
        if value is None or str(value) == "":
            continue
        child = etree.SubElement(root, key)
        text = str(value)
        # CDATA cannot hold "]]>": such a value goes as escaped text (same value).
        child.text = text if "]]>" in text else etree.CDATA(text)
    return etree.tostring(root, encoding="utf-8")


def loads(data: bytes) -> dict[str, str]:
    if not data or len(data) > MAX_BYTES:
        raise CodecError("empty or too large")
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise CodecError("DTDs and entities are refused")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise CodecError(f"not XML: {exc}") from exc
    if root.tag != "xml":
        raise CodecError(f"root is <{root.tag}>, not <xml>")
    out: dict[str, str] = {}
    for child in root:
        if not isinstance(child.tag, str):
            continue
        if len(child):
            raise CodecError(f"<{child.tag}> is not flat")
        out[child.tag] = child.text or ""
    return out
