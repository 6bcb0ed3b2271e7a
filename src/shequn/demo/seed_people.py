"""Demo people of the supply side: two brands (Koala Dairy, Sakura Beauty), each
with its own brand admin login; a warehouse staff login of the bonded warehouse
operator; the existing ``brand`` login becomes Sakura Beauty's brand admin too.
Memberships and role groups through brands.people. Organizations get a code
(``shequn apikey create --org koala``). Safe to run any number of times."""

from __future__ import annotations

from collections.abc import Callable

from shequn.accounts.models import User
from shequn.brands import people
from shequn.brands.models import Membership
from shequn.catalog.models import Organization
from shequn.demo.base import BRAND_LOGIN, DemoData, _user

# (brand key in the demo data set, username, password)
BRAND_ADMINS = (("koala", "koala-admin", "koala-demo-2026"),
                ("sakura", "sakura-admin", "sakura-demo-2026"))
WAREHOUSE_LOGIN = ("warehouse", "warehouse-demo-2026")
CODES = {"koala": "koala", "sakura": "sakura", "milano": "milano", "kiwi": "kiwi",
         "reef": "reef", "redwood": "redwood"}


def _code(org: Organization, code: str) -> None:
    if not org.code and not Organization.objects.filter(code=code).exists():
        org.code = code
        org.save(update_fields=["code"])


def _member(operator: User, org: Organization, user: User, role: str) -> None:
    current = Membership.objects.filter(organization=org, user=user, active=True,
                                        role=role).exists()
    if not current or not user.groups.filter(name=role).exists():
        people.add_member(operator, org, user, role)


def seed(data: DemoData, say: Callable[[str], None],
         staff_password: str | None = None) -> None:
    operator = data.operator
    for key, brand in data.brands.items():
        _code(brand, CODES.get(key, key))
    _code(data.seller, "shequn-ebc")
    _code(data.platform, "shequn-platform")
    wh_org = next((w.operator for w in data.warehouses.values() if w.operator_id), None)
    if wh_org is not None:
        _code(wh_org, "xiasha-bonded")

    logins: list[str] = []
    for key, username, password in BRAND_ADMINS:
        found = data.brands.get(key)
        if found is None:
            continue
        label = found.name_en or found.name
        user = _user(username, staff_password or password, display_name=f"{label} 管理员")
        _member(operator, found, user, Membership.Role.ADMIN)
        logins.append(f"品牌登录 Brand login {label}: {username} / "
                      f"{'(--staff-password)' if staff_password else password}")
    sakura = data.brands.get("sakura")
    if sakura is not None:  # the long-standing `brand` login: Sakura Beauty's admin
        _member(operator, sakura, data.brand_user, Membership.Role.ADMIN)
        logins.append(f"品牌登录 Brand login {sakura.name_en or sakura.name}: "
                      f"{BRAND_LOGIN[0]} / "
                      f"{'(--staff-password)' if staff_password else BRAND_LOGIN[1]}")
    if wh_org is not None:
        user = _user(WAREHOUSE_LOGIN[0], staff_password or WAREHOUSE_LOGIN[1],
                     display_name="下沙保税仓 仓管员")
        _member(operator, wh_org, user, Membership.Role.WAREHOUSE)
        logins.append(f"仓库登录 Warehouse login {wh_org.name_en or wh_org.name}: "
                      f"{WAREHOUSE_LOGIN[0]} / "
                      f"{'(--staff-password)' if staff_password else WAREHOUSE_LOGIN[1]}")
    for line in logins:
        say(line)
