from __future__ import annotations

import pytest
from django.db import connection
from stdnum.cn import ric

from shequn.checkout import identities as idt
from shequn.checkout.models import Address, BuyerIdentity
from shequn.core import pii
from shequn.core.errors import DomainError
from tests.builders import make_user, phone, resident_id

VALID = resident_id("110101", "19900307", "123")


def _code(fn, *args, **kw) -> str:
    with pytest.raises(DomainError) as ei:
        fn(*args, **kw)
    return ei.value.code


def _with_x_check_digit() -> str:
    for seq in range(1000):
        n = resident_id("110101", "19900307", f"{seq:03d}")
        if n.endswith("X"):
            return n
    raise AssertionError("no X check digit found")


# ---- pure validation ----------------------------------------------------------------

def test_valid_id_accepted_without_warnings():
    assert ric.is_valid(VALID)  # the generated number is valid by stdnum's own rules
    assert idt.validate_resident_id(VALID) == (VALID, [])
    assert idt.validate_resident_id(f" {VALID[:6]} {VALID[6:14]} {VALID[14:]} ")[0] == VALID


def test_lowercase_x_normalised():
    n = _with_x_check_digit()
    assert idt.validate_resident_id(n.lower()) == (n, [])


def test_bad_checksum_refused():
    last = VALID[-1]
    wrong = VALID[:-1] + ("0" if last != "0" else "1")
    assert _code(idt.validate_resident_id, wrong) == "invalid_id_number"


@pytest.mark.parametrize("bad", ["", "11010119900307123", "1101011990030712345",
                                 "11010119900307123A", "1101011990030712X3"])
def test_malformed_refused(bad):
    assert _code(idt.validate_resident_id, bad) == "invalid_id_number"


@pytest.mark.parametrize("born", ["19900230", "19901301", "18991231", "20991231"])
def test_impossible_birth_date_refused(born):
    n = resident_id("110101", born, "123")  # check digit correct, date impossible
    assert _code(idt.validate_resident_id, n) == "id_birthdate_invalid"


def test_unknown_region_is_only_a_warning():
    n = resident_id("990101", "19900307", "123")
    assert not ric.is_valid(n)  # stdnum's validate() would refuse it
    assert idt.validate_resident_id(n) == (n, [idt.WARN_UNKNOWN_REGION])


@pytest.mark.parametrize("name,ok", [("张三", True), ("阿卜杜·艾尼", True), ("阿卜杜•艾尼", True),
                                     ("John Smith", True), ("张", False), ("张" * 31, False),
                                     ("<b>张三</b>", False), ("张三<script>", False),
                                     ("张3", False), ("·张三", False)])
def test_name_rules(name, ok):
    if ok:
        assert idt.validate_name(name)
    else:
        assert _code(idt.validate_name, name) == "invalid_name"


# ---- identities ---------------------------------------------------------------------

def _row_values(table: str, pk: int) -> list[str]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])
        row = cur.fetchone()
    assert row is not None
    return [str(v) for v in row]


@pytest.mark.django_db
def test_identity_encrypted_at_rest_and_masked():
    user = make_user()
    p = phone(31)
    ident = idt.add_identity(user, "张三", VALID, p)
    values = _row_values("checkout_buyeridentity", ident.pk)
    assert not any(VALID in v or p in v for v in values)
    # Not even the birth-date part of the ID or the middle digits of the phone.
    assert not any(VALID[6:14] in v for v in values if v != ident.id_masked)
    assert ident.id_masked == VALID[:3] + "*" * 11 + VALID[-4:]
    assert ident.phone_masked == p[:3] + "****" + p[-4:]
    assert ident.id_hash == pii.lookup_hash(VALID)
    assert idt.decrypt_identity(ident, purpose="test") == ("张三", VALID, p)
    assert ident.warnings == []
    # Every decryption is in the audit log, with its purpose and no clear data.
    from shequn.core.models import AuditLog

    entry = AuditLog.objects.get(action="pii.decrypt", object_id=str(ident.pk))
    assert entry.detail == {"purpose": "test"}


@pytest.mark.django_db
def test_same_id_updates_instead_of_duplicating():
    user = make_user()
    first = idt.add_identity(user, "张三", VALID, phone(32))
    again = idt.add_identity(user, "张叁", VALID.lower(), phone(33))
    assert again.pk == first.pk
    assert BuyerIdentity.objects.filter(user=user).count() == 1
    assert idt.decrypt_identity(BuyerIdentity.objects.get(pk=first.pk)) == (
        "张叁", VALID, phone(33))


@pytest.mark.django_db
def test_identity_unknown_region_saved_with_warning():
    n = resident_id("990101", "19851111", "456")
    ident = idt.add_identity(make_user(), "李四", n, phone(34))
    assert ident.warnings == [idt.WARN_UNKNOWN_REGION]


@pytest.mark.django_db
@pytest.mark.parametrize("args,code", [
    (("<img src=x>", VALID, "13900000035"), "invalid_name"),
    (("张三", VALID[:-1] + ("1" if VALID[-1] != "1" else "2"), "13900000035"),
     "invalid_id_number"),
    (("张三", VALID, "1390000"), "invalid_phone"),
])
def test_add_identity_refuses_bad_input_and_stores_nothing(args, code):
    user = make_user()
    assert _code(idt.add_identity, user, *args) == code
    assert not BuyerIdentity.objects.exists()


@pytest.mark.django_db
def test_user_cannot_fetch_another_users_identity():
    alice, bob = make_user(), make_user()
    ident = idt.add_identity(alice, "张三", VALID, phone(36))
    assert idt.get_identity(alice, ident.pk).pk == ident.pk
    with pytest.raises(DomainError) as ei:
        idt.get_identity(bob, ident.pk)
    assert ei.value.code == "identity_not_found" and ei.value.status == 404
    assert _code(idt.get_identity, alice, "nope") == "identity_not_found"
    assert list(idt.list_identities(bob)) == []
    assert [i.pk for i in idt.list_identities(alice)] == [ident.pk]
    assert _code(idt.delete_identity, bob, ident.pk) == "identity_not_found"
    assert BuyerIdentity.objects.filter(pk=ident.pk).exists()


# ---- addresses ----------------------------------------------------------------------

def _addr(user, **over):
    args = {"consignee": "王五", "phone": phone(40), "province": "浙江省", "city": "杭州市",
            "district": "西湖区", "district_code": "330106", "detail": "文三路 100 号 2 幢 301"}
    args.update(over)
    return idt.add_address(user, **args)


@pytest.mark.django_db
def test_address_phone_encrypted_and_owner_only():
    alice, bob = make_user(), make_user()
    a = _addr(alice)
    values = _row_values("checkout_address", a.pk)
    assert not any(phone(40) in v for v in values)
    assert a.phone_masked == "139****0040"
    assert idt.decrypt_address_phone(a) == phone(40)
    assert a.full_address == "浙江省杭州市西湖区文三路 100 号 2 幢 301"
    assert idt.get_address(alice, a.pk).pk == a.pk
    with pytest.raises(DomainError) as ei:
        idt.get_address(bob, a.pk)
    assert ei.value.code == "address_not_found" and ei.value.status == 404
    assert list(idt.list_addresses(bob)) == []


@pytest.mark.django_db
def test_address_names_are_the_codes_own_and_print_once():
    a = _addr(make_user(), province="北京市", city="北京市", district="朝阳区",
              district_code="110105", detail="建国路 1 号")
    assert (a.province, a.city, a.district) == ("北京市", "北京市", "朝阳区")
    assert a.full_address == "北京市朝阳区建国路 1 号"
    b = _addr(make_user(), province="广东省", city="东莞市", district="东莞市",
              district_code="441900", detail="南城街道 8 号")
    assert b.full_address == "广东省东莞市南城街道 8 号"


@pytest.mark.django_db
@pytest.mark.parametrize("over,code", [
    ({"district_code": "33010"}, "invalid_district_code"),
    ({"district_code": "33010a"}, "invalid_district_code"),
    ({"phone": "2345"}, "invalid_phone"),
    ({"consignee": "<script>"}, "invalid_name"),
    ({"detail": "<script>alert(1)</script>"}, "invalid_address"),
    ({"province": ""}, "invalid_address"),
    # A NUL byte made PostgreSQL refuse the row (a 500); control characters are junk.
    ({"detail": "文三路\x00100 号"}, "invalid_address"),
    ({"detail": "文三路\x07100 号"}, "invalid_address"),
    ({"district_code": "999999"}, "invalid_region"),
    ({"province": "北京市", "city": "北京市", "district": "朝阳区"}, "invalid_region"),
    ({"city": "宁波市"}, "invalid_region"),
])
def test_bad_address_refused(over, code):
    assert _code(_addr, make_user(), **over) == code
    assert not Address.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("zero", ["\u0660", "\u06f0", "\u0966"])
def test_id_in_other_scripts_digits_refused(zero):
    """Arabic-Indic or Devanagari digits pass str.isdigit() and
    int(), so the checksum held and the ID was stored in those digits: another
    lookup hash than the same ID in ASCII, i.e. a fresh annual quota for the
    same person (and a number customs cannot read)."""
    # The check digit stays ASCII (calc_check_digit answers in ASCII).
    other = "".join(chr(ord(zero) + int(c)) for c in VALID[:17]) + VALID[17]
    assert _code(idt.validate_resident_id, other) == "invalid_id_number"
    user = make_user()
    assert _code(idt.add_identity, user, "张三", other, phone()) == "invalid_id_number"
    assert not BuyerIdentity.objects.filter(user=user).exists()
    # Full-width and mathematical digits normalise to the ASCII number itself.
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in VALID)
    assert idt.validate_resident_id(wide)[0] == VALID
