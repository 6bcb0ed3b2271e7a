"""``shequn customs validate``: one line per problem with path and rule; exit 0
clean, 1 problems, 2 unreadable / not XML / not CEB. Through ``shequn.cli.main``
and as a real process."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from shequn.cli import main
from shequn.customs.ceb import demo
from shequn.customs.ceb.dxp import wrap
from shequn.customs.ceb.messages import build_ceb311, build_ceb621, to_bytes
from shequn.customs.ceb.signing import RsaSha256Signer, generate_demo_keypair

SAMPLES = Path(__file__).with_name("samples")
SHEQUN = Path(sys.executable).with_name("shequn")


@pytest.fixture(scope="module")
def signer(tmp_path_factory):
    return RsaSha256Signer.from_files(*generate_demo_keypair(tmp_path_factory.mktemp("k")))


@pytest.fixture
def files(tmp_path, signer):
    order = demo.order(lines=2)
    inv = demo.inventory(order, demo.waybill(order))
    good = tmp_path / "good-621.xml"
    good.write_bytes(to_bytes(build_ceb621([inv], demo.transfer(), signer=signer)))
    bad_head = dataclasses.replace(order.head, actural_paid=order.head.actural_paid + 1,
                                   buyer_id_number="110105199003071230")
    bad = tmp_path / "bad-311.xml"
    bad.write_bytes(to_bytes(build_ceb311([dataclasses.replace(order, head=bad_head)],
                                          demo.transfer())))
    unsigned = tmp_path / "unsigned-621.xml"
    unsigned.write_bytes(to_bytes(build_ceb621([inv], demo.transfer(), signer=None)))
    tampered = tmp_path / "tampered-621.xml"
    tampered.write_bytes(good.read_bytes().replace(b"<ceb:buyerTelephone>13800138000<",
                                                   b"<ceb:buyerTelephone>13900139000<", 1))
    envelope = tmp_path / "envelope.xml"
    envelope.write_bytes(etree.tostring(wrap(good.read_bytes(), sender_id="DXPENT1")))
    notxml = tmp_path / "notxml.xml"
    notxml.write_text("hello")
    other = tmp_path / "other.xml"
    other.write_text("<invoice><total>1</total></invoice>")
    return {"good": good, "bad": bad, "unsigned": unsigned, "tampered": tampered,
            "envelope": envelope, "notxml": notxml, "other": other}


def run(capsys, *args: Path | str) -> tuple[int, list[str], str]:
    code = main(["customs", "validate", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_clean_signed_inventory_and_envelope(capsys, files):
    code, lines, err = run(capsys, files["good"], files["envelope"])
    assert (code, lines) == (0, [])
    assert "0 problem(s)" in err


def test_business_rule_problems_one_line_each(capsys, files):
    code, lines, _ = run(capsys, files["bad"])
    assert code == 1
    bad = str(files["bad"])
    assert f"{bad}: /CEB311Message/Order[1]/OrderHead/acturalPaid: [ACTURAL_PAID] " in \
        "\n".join(lines)
    assert any(line.startswith(f"{bad}: /CEB311Message/Order[1]/OrderHead/buyerIdNumber: "
                               "[ID_NUMBER]") for line in lines)
    assert len(lines) == 2


def test_unsigned_and_tampered_inventory(capsys, files):
    code, lines, _ = run(capsys, files["unsigned"])
    assert code == 1
    assert any("[xsd]" in line and "Signature" in line for line in lines)
    assert any("[SIGNATURE]" in line for line in lines)
    code, lines, _ = run(capsys, files["tampered"])
    assert code == 1
    assert lines == [f"{files['tampered']}: /CEB621Message/Signature: [SIGNATURE] signature "
                     "does not verify against the certificate it carries (message altered "
                     "after signing, or signature malformed)"]


def test_schema_problem_reported_with_path(capsys, tmp_path):
    data = to_bytes(build_ceb311([demo.order()], demo.transfer()))
    broken = tmp_path / "broken.xml"
    broken.write_bytes(data.replace(b"<ceb:currency>142</ceb:currency>", b"", 1))
    code, lines, _ = run(capsys, broken)
    assert code == 1
    assert any("[xsd]" in line and "OrderHead" in line for line in lines)


@pytest.mark.parametrize("name", ["notxml", "other"])
def test_not_xml_or_not_ceb_exits_2(capsys, files, name):
    code, lines, err = run(capsys, files[name], files["good"])
    assert code == 2 and lines == []
    assert str(files[name]) in err


def test_unreadable_exits_2(capsys, tmp_path, files):
    code, _lines, err = run(capsys, tmp_path / "missing.xml", files["bad"])
    assert code == 2 and "cannot read" in err


def test_xxe_file_exits_2(capsys, tmp_path):
    evil = tmp_path / "evil.xml"
    evil.write_bytes(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM '
                     b'"file:///etc/passwd">]><r>&x;</r>')
    code, lines, err = run(capsys, evil)
    assert code == 2 and "DOCTYPE" in err and "root:" not in err + "".join(lines)


def test_official_samples_shape_ok_business_data_fake(capsys):
    # Receipts carry nothing the rules check; declarations have fake ID numbers.
    code, lines, _ = run(capsys, SAMPLES / "CEB312Message.xml", SAMPLES / "CEB622Message.xml")
    assert (code, lines) == (0, [])
    code, lines, _ = run(capsys, SAMPLES / "CEB311Message.xml")
    assert code == 1 and all("[ID_NUMBER]" in line or "[LINE_TOTAL]" in line
                             for line in lines)
    code, lines, _ = run(capsys, SAMPLES / "CEB621Message.xml")
    assert not any("[SIGNATURE]" in line for line in lines)  # SM2 signature: not verified


def test_usage_error_exits_2(capsys):
    assert main(["customs"]) == 2
    assert main(["customs", "validate"]) == 2
    capsys.readouterr()


def test_real_process(files):
    assert SHEQUN.exists()
    ok = subprocess.run([str(SHEQUN), "customs", "validate", str(files["good"])],
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and ok.stdout == ""
    bad = subprocess.run([str(SHEQUN), "customs", "validate", str(files["bad"]),
                          str(files["good"])], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert "[ACTURAL_PAID]" in bad.stdout and len(bad.stdout.splitlines()) == 2
    junk = subprocess.run([str(SHEQUN), "customs", "validate", str(files["notxml"])],
                          capture_output=True, text=True, timeout=60)
    assert junk.returncode == 2 and "not well-formed" in junk.stderr


def test_amounts_with_many_decimals_fail_xsd_not_crash(capsys, tmp_path):
    data = to_bytes(build_ceb311([demo.order()], demo.transfer()))
    value = str(demo.order().head.freight).encode()
    odd = tmp_path / "odd.xml"
    odd.write_bytes(data.replace(b"<ceb:freight>" + value, b"<ceb:freight>" +
                                 str(Decimal("10.1234567")).encode(), 1))
    code, lines, _ = run(capsys, odd)
    assert code == 1 and any("[xsd]" in line for line in lines)


def test_envelope_reports_inner_problems_and_envelope_problems(capsys, files, tmp_path):
    wrapped_bad = tmp_path / "wrapped-bad.xml"
    wrapped_bad.write_bytes(etree.tostring(wrap(files["bad"].read_bytes(), sender_id="S1")))
    code, lines, _ = run(capsys, wrapped_bad)
    assert code == 1 and any("[ACTURAL_PAID]" in line for line in lines)
    broken_env = tmp_path / "broken-env.xml"
    env = wrap(files["good"].read_bytes(), sender_id="S1")
    env.remove(env[0])  # no TransInfo
    broken_env.write_bytes(etree.tostring(env))
    code, lines, _ = run(capsys, broken_env)
    assert code == 1 and lines and all("[xsd]" in line and "DxpMsg" in line for line in lines)
