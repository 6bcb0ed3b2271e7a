"""GS1 identifiers: what a scan reads, what a code prints, and the forms an EPC
takes in EPCIS documents."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shequn.trace import gs1

GTIN = "04512345000776"


def test_serials_are_random_and_long_enough():
    serials = {gs1.new_serial() for _ in range(2000)}
    assert len(serials) == 2000
    assert all(len(s) == 13 and set(s) <= set(gs1.SERIAL_ALPHABET) for s in serials)
    # 13 characters of a 32-letter alphabet: at least 64 random bits.
    assert len(gs1.SERIAL_ALPHABET) ** gs1.SERIAL_LENGTH >= 2 ** 64


def test_known_sgtin_vector():
    # CBV 2.0 / the hash generator's pre-hash: the same unit in both forms.
    assert gs1.sgtin_urn("10614141073464", "2017") == "urn:epc:id:sgtin:0614141.107346.2017"
    assert gs1.canonical_epc("urn:epc:id:sgtin:0614141.107346.2017") == (
        "https://id.gs1.org/01/10614141073464/21/2017", "10614141073464")


def test_digital_link_round_trip():
    link = gs1.digital_link("https://v.example.cn/", "4512345000776", "L-7", "ABC123",
                            date(2027, 12, 31))
    assert link == "https://v.example.cn/01/04512345000776/10/L-7/21/ABC123?17=271231"
    scan = gs1.read(link)
    assert (scan.gtin, scan.lot, scan.serial, scan.expiry) == (GTIN, "L-7", "ABC123",
                                                               date(2027, 12, 31))
    assert gs1.canonical_epc(link)[0] == "https://id.gs1.org/01/04512345000776/10/L-7/21/ABC123"


@pytest.mark.parametrize("text", [
    "(01)04512345000776(10)AB(21)XYZ",
    "0104512345000776" "10AB\x1d21XYZ",
    "https://x.example/01/04512345000776/10/AB/21/XYZ",
    "urn:epc:id:sgtin:4512345.000077.XYZ",
    # Upper-case scheme and host (scanners in upper-case mode, compact QR codes).
    "URN:EPC:ID:SGTIN:4512345.000077.XYZ",
    "HTTPS://X.EXAMPLE/01/04512345000776/10/AB/21/XYZ",
])
def test_every_form_of_a_unit_reads_the_same(text):
    scan = gs1.read(text)
    assert (scan.gtin, scan.serial) == (GTIN, "XYZ")


def test_sscc_forms():
    sscc = gs1.new_sscc("4512345")
    assert gs1.valid_sscc(sscc)
    assert gs1.read(sscc).sscc == sscc
    assert gs1.read(gs1.sscc_urn(sscc)).sscc == sscc
    assert gs1.read(f"https://v.example.cn/00/{sscc}").sscc == sscc
    assert gs1.read(gs1.sscc_urn(sscc).upper()).sscc == sscc
    assert gs1.read(f"HTTPS://V.EXAMPLE.CN/00/{sscc}").sscc == sscc
    assert gs1.canonical_epc(gs1.sscc_urn(sscc))[0] == f"https://id.gs1.org/00/{sscc}"


@pytest.mark.parametrize("text", [
    "", "hello", "https://x/01/04512345000777/21/A",  # wrong check digit
    "https://x/01/04512345000776",  # no serial: not a unit
    "123456789012345678",  # SSCC with a wrong check digit
    "(01)04512345000776", "urn:epc:id:sgtin:451.2", "x" * 600,
])
def test_malformed_codes_are_refused(text):
    with pytest.raises(gs1.CodeError):
        gs1.read(text)


@given(st.text(alphabet=gs1.SERIAL_ALPHABET, min_size=1, max_size=20))
def test_urn_and_link_agree(serial):
    urn = gs1.sgtin_urn(GTIN, serial)
    link = gs1.digital_link("https://v.example.cn", GTIN, "L1", serial)
    assert gs1.read(urn).serial == gs1.read(link).serial == serial
    assert gs1.canonical_epc(urn)[0] == gs1.canonical_epc(
        f"https://v.example.cn/01/{GTIN}/21/{serial}")[0]


def test_the_serial_keeps_its_case():
    """Only the scheme and host are case-insensitive: a serial read in upper
    case is another serial."""
    assert gs1.read("HTTPS://X.EXAMPLE/01/04512345000776/21/xyz").serial == "xyz"
    assert gs1.read("URN:EPC:ID:SGTIN:4512345.000077.xyz").serial == "xyz"
