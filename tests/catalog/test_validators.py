from __future__ import annotations

import pytest
from stdnum import ean

from shequn.catalog.validators import tariff_line, validate_gtin, validate_hs_code
from shequn.core.errors import DomainError


@pytest.mark.parametrize("body", ["400638133393", "03600029145", "1400638133393", "9638507"])
def test_gtin_with_right_check_digit_passes_and_wrong_one_fails(body):
    good = body + ean.calc_check_digit(body)
    assert validate_gtin(good) == good
    wrong = body + str((int(ean.calc_check_digit(body)) + 1) % 10)
    with pytest.raises(DomainError) as exc:
        validate_gtin(wrong)
    assert exc.value.code == "invalid_gtin"


@pytest.mark.parametrize("bad", ["", "12345", "ABCDEFGHIJKLM", "4006381333931999"])
def test_gtin_bad_length_or_format(bad):
    with pytest.raises(DomainError) as exc:
        validate_gtin(bad)
    assert exc.value.code == "invalid_gtin"


def test_hs_code_must_be_ten_digits():
    assert validate_hs_code("3304990099") == "3304990099"
    assert validate_hs_code("3304.9900.99") == "3304990099"
    for bad in ["330499009", "33049900991", "33049900a9", "", "３３０４９９００９９"]:
        with pytest.raises(DomainError) as exc:
            validate_hs_code(bad)
        assert exc.value.code == "invalid_hs_code"
        assert exc.value.status == 422


def test_tariff_line_is_first_eight_digits():
    assert tariff_line("1901101090") == "19011010"
    with pytest.raises(DomainError):
        tariff_line("19011010")
