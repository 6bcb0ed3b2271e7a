"""Signature check on CEB621/623/625 (spec ch. 6: enveloped XML-DSig over the
whole message). The simulator trusts the certificates in its configuration and
accepts RSA / ECDSA with SHA-2 (Shequn signs RSA-SHA256; SM2 needs a crypto device)."""

from __future__ import annotations

from pathlib import Path

from lxml import etree
from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod, XMLVerifier
from signxml.exceptions import InvalidInput, InvalidSignature

from shequn.customs.ceb.schema import DS_NS

_EXPECT = SignatureConfiguration(
    require_x509=False,
    expect_references=1,
    signature_methods=frozenset({SignatureMethod.RSA_SHA256, SignatureMethod.RSA_SHA384,
                                 SignatureMethod.RSA_SHA512, SignatureMethod.ECDSA_SHA256}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256, DigestAlgorithm.SHA384,
                                 DigestAlgorithm.SHA512}),
    ignore_ambiguous_key_info=True,
)


def load_certs(entries: tuple[str, ...]) -> list[str]:
    """Each entry is PEM text or the path of a PEM file."""
    out = []
    for entry in entries:
        out.append(entry if "-----BEGIN" in entry else Path(entry).read_text(encoding="ascii"))
    return out


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def signature_problem(data: bytes, certs: list[str]) -> str | None:
    """``None`` when a trusted certificate verifies an enveloped signature over the
    whole document; otherwise the reason (→ -621029 / -623029 / -625208)."""
    root = etree.fromstring(data, parser=_parser())
    if root.find(f".//{{{DS_NS}}}Signature") is None:
        return "报文缺少签名节点"
    if not certs:
        return "未配置可信证书，无法验签"
    last = "验签失败"
    for cert in certs:
        try:
            result = XMLVerifier().verify(data, x509_cert=cert, parser=_parser(),
                                          expect_config=_EXPECT)
        except (InvalidSignature, InvalidInput, ValueError) as exc:
            last = f"验签失败：{exc}"[:300]
            continue
        except Exception as exc:  # malformed Signature trees: not verified, never a crash
            last = f"验签失败：{type(exc).__name__}"
            continue
        signed = result.signed_xml if not isinstance(result, list) else None
        if signed is None or signed.tag != root.tag:
            return "加签数据比对失败：签名未覆盖整个报文"
        return None
    return last
