"""XML-DSig signing port: sign → verify, tampering detected, other keys refused,
unsigned declarations flagged, key material from configuration."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from shequn.customs.ceb import demo
from shequn.customs.ceb.messages import build_ceb621, read_message, to_bytes
from shequn.customs.ceb.rules import message_problems
from shequn.customs.ceb.schema import DS_NS, parse, schema_problems
from shequn.customs.ceb.signing import (
    RsaSha256Signer,
    SigningNotConfigured,
    generate_demo_keypair,
    signer_from_config,
    verify_embedded,
)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    return generate_demo_keypair(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def signer(keys):
    return RsaSha256Signer.from_files(*keys)


@pytest.fixture
def signed_bytes(signer) -> bytes:
    order = demo.order()
    inv = demo.inventory(order, demo.waybill(order))
    return to_bytes(build_ceb621([inv], demo.transfer(), signer=signer))


def test_sign_then_verify(signer, signed_bytes):
    root = parse(signed_bytes)
    assert schema_problems(root) == []
    assert signer.verify(root)
    assert verify_embedded(root)
    sig = root[-1]
    assert sig.tag == f"{{{DS_NS}}}Signature"
    method = sig.find(f"{{{DS_NS}}}SignedInfo/{{{DS_NS}}}SignatureMethod").get("Algorithm")
    assert method.endswith("rsa-sha256")
    c14n = sig.find(f"{{{DS_NS}}}SignedInfo/{{{DS_NS}}}CanonicalizationMethod").get("Algorithm")
    assert c14n == "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    assert sig.find(f".//{{{DS_NS}}}X509Certificate") is not None
    assert sig.find(f".//{{{DS_NS}}}KeyName").text == signer.key_name


@pytest.mark.parametrize(("old", "new"), [
    (b"<ceb:qty>1</ceb:qty>", b"<ceb:qty>2</ceb:qty>"),
    (b"<ceb:buyerName>\xe5\xbc\xa0\xe4\xb8\x89</ceb:buyerName>",
     b"<ceb:buyerName>\xe6\x9d\x8e\xe5\x9b\x9b</ceb:buyerName>"),
])
def test_tampered_message_fails(signer, signed_bytes, old, new):
    assert old in signed_bytes
    tampered = parse(signed_bytes.replace(old, new, 1))
    assert not signer.verify(tampered)
    assert not verify_embedded(tampered)


def test_other_key_does_not_verify(tmp_path, signed_bytes):
    other = RsaSha256Signer.from_files(*generate_demo_keypair(tmp_path))
    assert not other.verify(parse(signed_bytes))


def test_unsigned_inventory_is_flagged(signer):
    order = demo.order()
    inv = demo.inventory(order, demo.waybill(order))
    root = build_ceb621([inv], demo.transfer(), signer=None)
    data = to_bytes(root)
    assert not signer.verify(parse(data))
    assert any("Signature" in p.message for p in schema_problems(parse(data)))
    assert [p.rule for p in message_problems(read_message(data))] == ["SIGNATURE"]


def test_sign_replaces_an_existing_signature(signer, signed_bytes):
    root = parse(signed_bytes)
    again = signer.sign(root)
    assert len(again.findall(f"{{{DS_NS}}}Signature")) == 1
    assert signer.verify(parse(etree.tostring(again)))


def test_signer_from_configured_paths(keys, signed_bytes):
    assert signer_from_config(keys[0], keys[1]).verify(parse(signed_bytes))


def test_platform_signer_reads_the_settings(settings, keys, signed_bytes):
    from shequn.customs import gateway

    settings.SHEQUN = {**settings.SHEQUN, "CEB_KEY_FILE": str(keys[0]),
                       "CEB_CERT_FILE": str(keys[1])}
    assert gateway.platform_signer().verify(parse(signed_bytes))


@pytest.mark.parametrize("paths", [(None, None), ("key.pem", None), (None, "cert.pem")])
def test_signer_not_configured(paths):
    with pytest.raises(SigningNotConfigured):
        signer_from_config(*paths)


def test_ceb_modules_do_not_import_django():
    import subprocess
    import sys

    modules = ("signing", "messages", "rules", "derive", "dxp", "receipts", "codec", "demo",
               "model", "schema")
    # The simulator runs as its own process without Django too.
    names = [f"shequn.customs.ceb.{m}" for m in modules] + ["shequn.customs.sim.window"]
    code = (f"import sys; import {', '.join(names)}; "
            "sys.exit(1 if 'django' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_key_file_is_private(keys):
    assert keys[0].stat().st_mode & 0o077 == 0


def test_signature_covers_amounts(signer):
    order = demo.order()
    inv = demo.inventory(order, demo.waybill(order))
    data = to_bytes(build_ceb621([inv], demo.transfer(), signer=signer))
    price = str(inv.lines[0].price).encode()
    tampered = data.replace(b"<ceb:price>" + price, b"<ceb:price>" + str(
        inv.lines[0].price + Decimal("1")).encode(), 1)
    assert tampered != data and not signer.verify(parse(tampered))
