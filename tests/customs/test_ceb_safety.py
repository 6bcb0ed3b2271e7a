"""Untrusted XML: external entities, DOCTYPEs, entity expansion and oversized
payloads are refused before anything reads them."""

from __future__ import annotations

import pytest

from shequn.customs.ceb import demo, schema
from shequn.customs.ceb.messages import build_ceb311, read_message, to_bytes
from shequn.customs.ceb.schema import NotCebMessage, parse

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<ceb:CEB312Message xmlns:ceb="http://www.chinaport.gov.cn/ceb" guid="x" version="1.0">
<ceb:OrderReturn><ceb:returnInfo>&x;</ceb:returnInfo></ceb:OrderReturn></ceb:CEB312Message>"""

NET_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">
<ceb:CEB312Message xmlns:ceb="http://www.chinaport.gov.cn/ceb" guid="x" version="1.0"/>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<ceb:CEB312Message xmlns:ceb="http://www.chinaport.gov.cn/ceb">&lol3;</ceb:CEB312Message>"""


@pytest.mark.parametrize("payload", [XXE, NET_DTD, LAUGHS], ids=["xxe", "dtd", "laughs"])
def test_doctype_and_entities_refused(payload):
    with pytest.raises(NotCebMessage):
        parse(payload)
    with pytest.raises(NotCebMessage):
        read_message(payload)


def test_entities_never_resolved_even_inside_parser():
    # Belt and braces: the parser itself does not expand the file entity.
    from lxml import etree

    root = etree.fromstring(XXE, parser=schema._parser())
    assert "root:" not in etree.tostring(root).decode()


def test_oversized_payload_refused_before_parsing(monkeypatch):
    data = to_bytes(build_ceb311([demo.order()], demo.transfer()))
    monkeypatch.setattr(schema, "MAX_BYTES", len(data) - 1)
    with pytest.raises(NotCebMessage, match="exceeds"):
        parse(data)
    big = b"<a>" + b"x" * (10 * 1024 * 1024) + b"</a>"
    monkeypatch.undo()
    with pytest.raises(NotCebMessage, match="exceeds"):
        parse(big)


def test_not_xml_and_not_ceb_refused():
    with pytest.raises(NotCebMessage):
        read_message(b"not xml at all")
    with pytest.raises(NotCebMessage):
        read_message(b"<html><body/></html>")
    with pytest.raises(NotCebMessage):
        read_message(b'<CEB999Message xmlns="http://www.chinaport.gov.cn/ceb"/>')


def test_read_message_validate_refuses_schema_invalid_receipt():
    from shequn.customs.ceb.codec import CebFormatError

    bad = (b'<CEB622Message xmlns="http://www.chinaport.gov.cn/ceb" guid="' + b"A" * 36 +
           b'" version="1.0"><InventoryReturn><guid>' + b"A" * 36 + b"</guid><copNo>C1</copNo>"
           b"<preNo>B20261124000000001</preNo><returnStatus>800</returnStatus>"
           b"<returnTime>2026</returnTime><returnInfo>x</returnInfo></InventoryReturn>"
           b"</CEB622Message>")
    assert read_message(bad).records  # lenient read works…
    with pytest.raises(CebFormatError, match="returnTime"):
        read_message(bad, validate=True)  # …strict read refuses the 4-digit returnTime
