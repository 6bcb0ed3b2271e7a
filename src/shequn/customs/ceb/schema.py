"""Safe XML parsing and validation against the official CEB schemas (202205).

Every message Shequn sends is validated here before it leaves, and every message it
receives is parsed here: entity resolution, DTDs and network access are off (XXE
cannot happen), and payloads above ``MAX_BYTES`` are refused before parsing.
The schema files are copied unchanged from the official package into ``xsd/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

CEB_NS = "http://www.chinaport.gov.cn/ceb"
DXP_NS = "http://www.chinaport.gov.cn/dxp"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
XSD_DIR = Path(__file__).with_name("xsd")
MAX_BYTES = 10 * 1024 * 1024  # a 100-order CEB311 is well under 1 MB


class NotCebMessage(ValueError):
    """Not well-formed XML, too large, or not a CEB/DXP message at all."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a message: where (element path), which rule, what."""

    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: [{self.rule}] {self.message}"


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not thread-safe.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_blank_text=False)


def parse(data: bytes) -> etree._Element:
    """Parse untrusted XML. Raises ``NotCebMessage`` when it is too large, not
    well-formed, or declares a DOCTYPE (no CEB message has one; refusing them
    removes entity tricks outright)."""
    if len(data) > MAX_BYTES:
        raise NotCebMessage(f"payload of {len(data)} bytes exceeds {MAX_BYTES}")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise NotCebMessage(f"not well-formed XML: {exc}") from exc
    if root.getroottree().docinfo.doctype:
        raise NotCebMessage("DOCTYPE declarations are not accepted")
    return root


def message_type(root: etree._Element) -> str:
    """``CEB621Message`` for a CEB root element, ``DxpMsg`` for the envelope;
    raises ``NotCebMessage`` for anything else."""
    qname = etree.QName(root)
    if qname.namespace == CEB_NS and qname.localname.startswith("CEB"):
        return qname.localname
    if qname.namespace == DXP_NS and qname.localname == "DxpMsg":
        return "DxpMsg"
    raise NotCebMessage(f"root element {root.tag} is not a CEB message")


@cache
def _schema(name: str) -> etree.XMLSchema:
    # Schema files are local and trusted; imports resolve relative to XSD_DIR.
    doc = etree.parse(str(XSD_DIR / name), parser=etree.XMLParser(no_network=True))
    return etree.XMLSchema(doc)


def ceb_schema() -> etree.XMLSchema:
    return _schema("ceb-import-202205.xsd")


def dxp_schema() -> etree.XMLSchema:
    return _schema("dxp-terminal-202205.xsd")


@cache
def ceb_schema_unsigned() -> etree.XMLSchema:
    """The official import schema with ``ds:Signature`` made optional everywhere.

    Used only to check a declaration that is about to be handed to an external
    signing service (an SM2 UKey host): everything but the signature is final
    then. Outgoing signed messages are always checked with ``ceb_schema()``."""
    path = XSD_DIR / "ceb-import-202205.xsd"
    text = path.read_bytes().replace(b'<xs:element ref="ds:Signature"/>',
                                     b'<xs:element ref="ds:Signature" minOccurs="0"/>')
    doc = etree.fromstring(text, parser=etree.XMLParser(no_network=True),
                           base_url=str(path))
    return etree.XMLSchema(doc)


def schema_problems(root: etree._Element) -> list[Problem]:
    """XSD problems of a parsed CEB message or DxpMsg envelope (empty when valid)."""
    schema = dxp_schema() if message_type(root) == "DxpMsg" else ceb_schema()
    if schema.validate(root):
        return []
    return [Problem(path=err.path or f"line {err.line}", rule="xsd",
                    message=err.message) for err in schema.error_log]
