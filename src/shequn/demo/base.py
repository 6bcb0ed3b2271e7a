"""Deterministic demo data (``manage.py seed_demo``), as plain functions so tests
and the benchmark can reuse it. The products and reference data are in
``data/catalog.toml`` (read by ``dataset``); this module writes them.

Written against the models directly (not the domain services) so it does not
depend on their progress. Every row is keyed by a natural key, so seeding twice
creates nothing new; nothing is random and every date is fixed. Stock is only
received when its row is first created, so a re-run never tops up stock that
orders have since used, and the ledger (StockMove) always matches Stock.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.models import Group
from stdnum import ean

from shequn.accounts.models import User
from shequn.accounts.roles import ensure_groups
from shequn.catalog.models import SKU, Category, Organization, PositiveListLine, Product
from shequn.commission import services as commission
from shequn.commission.models import CommissionPlan
from shequn.core import pii
from shequn.demo.dataset import (
    BATCHES,
    BONDED_WH,
    BRANDS,
    CATEGORIES,
    COUNTRY_NAMES,
    DIRECT_WH,
    POSITIVE_LIST,
    PRODUCTS,
    ProductSpec,
)
from shequn.distribution.models import LeaderProfile
from shequn.inventory.models import Batch, Stock, StockMove, Warehouse
from shequn.shops.models import Listing, Shop
from shequn.shops.tokens import make_share_token

BASE_URL = "http://127.0.0.1:8000"
ROLES = ("leader", "brand_staff", "operator")

# (username, password) of the demo accounts; printed by seed_demo.
OPS_LOGIN = ("ops", "ops-demo-2026")
ADMIN_LOGIN = ("admin", "admin-demo-2026")
LEADER_LOGIN = ("leader", "leader-demo-2026")
BRAND_LOGIN = ("brand", "brand-demo-2026")
BUYER_PHONE = "13800138000"
SHOP_SLUG = "xiaolin"
SHOP_NAME = "小林的海淘铺"



class Writer(Protocol):
    """Anything with ``write(str)``: a file, StringIO, or a command's OutputWrapper."""

    def write(self, msg: str, /) -> Any: ...



@dataclass
class DemoData:
    shop: Shop
    leader: User
    operator: User
    admin: User
    brand_user: User
    buyer: User
    seller: Organization
    platform: Organization
    skus: dict[str, SKU] = field(default_factory=dict)
    warehouses: dict[str, Warehouse] = field(default_factory=dict)
    brands: dict[str, Organization] = field(default_factory=dict)


# --- seeding -----------------------------------------------------------------

def _say(out: Writer | None) -> Callable[[str], None]:
    def say(msg: str) -> None:
        if out is not None:
            out.write(msg + "\n")
    return say


def _org(kind: str, name: str, **defaults: Any) -> Organization:
    org, _ = Organization.objects.update_or_create(kind=kind, name=name, defaults=defaults)
    return org


def _user(username: str, password: str | None, **fields: Any) -> User:
    user, created = User.objects.get_or_create(username=username, defaults=fields)
    if not created:
        changed = [k for k, v in fields.items() if getattr(user, k) != v]
        for k in changed:
            setattr(user, k, fields[k])
        if changed:
            user.save(update_fields=changed)
    # Only re-hash when needed: a fresh salt on every run would be a needless write.
    if password is None:
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    elif created or not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def _buyer() -> User:
    phone_hash = pii.lookup_hash(BUYER_PHONE)
    user = User.objects.filter(phone_hash=phone_hash).first()
    if user is not None:
        return user
    return _user("p_" + phone_hash[:16], None, phone_hash=phone_hash,
                 phone_enc=pii.encrypt(BUYER_PHONE),
                 phone_masked=pii.mask_phone(BUYER_PHONE), display_name="演示买家")


def gtin(spec: ProductSpec) -> str:
    return spec.gtin12 + ean.calc_check_digit(spec.gtin12)


def _organizations() -> dict[str, Organization]:
    orgs: dict[str, Organization] = {}
    for key, (name, name_en, country) in BRANDS.items():
        orgs[key] = _org(Organization.Kind.BRAND, name, name_en=name_en, country=country)
    orgs["seller"] = _org(Organization.Kind.EBC, "杭州社群跨境电子商务有限公司",
                          name_en="Hangzhou Shequn Cross-border E-commerce Co., Ltd.",
                          customs_code="3301964J31", country="142")
    orgs["platform"] = _org(Organization.Kind.PLATFORM, "社群跨境电商平台",
                            name_en="Shequn Platform",
                            customs_code=settings.SHEQUN["PLATFORM_EBP_CODE"], country="142")
    orgs["warehouse"] = _org(Organization.Kind.WAREHOUSE, "杭州下沙保税物流有限公司",
                             name_en="Hangzhou Xiasha Bonded Logistics Co., Ltd.",
                             customs_code="3301W60001", country="142")
    orgs["payment"] = _org(Organization.Kind.PAYMENT, "社群支付模拟器",
                           name_en="Shequn Pay Simulator", customs_code="3301960PAY",
                           country="142")
    orgs["logistics"] = _org(Organization.Kind.LOGISTICS, "社群速运物流有限公司",
                             name_en="Shequn Express Logistics Co., Ltd.",
                             customs_code="3301980SQL", country="142")
    return orgs


def _warehouses(operator: Organization) -> dict[str, Warehouse]:
    bonded, _ = Warehouse.objects.update_or_create(code=BONDED_WH, defaults=dict(
        name="杭州下沙保税仓", name_en="Hangzhou Xiasha Bonded Warehouse",
        kind=Warehouse.Kind.BONDED, trade_mode="1210",
        customs_code="2991", area_code="3301W60001", ems_no="T2991W000123",
        operator=operator, location="杭州市钱塘区下沙综合保税区",
        # The sender on its parcels' waybills (label and carrier order).
        phone="0571-86001234", province="浙江省", city="杭州市", district="钱塘区",
        address="下沙综合保税区围垦街 8 号"))
    direct, _ = Warehouse.objects.update_or_create(code=DIRECT_WH, defaults=dict(
        name="直邮仓", name_en="Direct-mail hub",
        kind=Warehouse.Kind.DIRECT_MAIL, trade_mode="9610",
        customs_code="2244", area_code="", ems_no="", operator=None,
        location="广州白云机场跨境电商直购进口监管中心",
        phone="020-86120000", province="广东省", city="广州市", district="白云区",
        address="白云机场跨境电商直购进口监管中心 1 号库"))
    return {BONDED_WH: bonded, DIRECT_WH: direct}


def _catalog(orgs: dict[str, Organization]) -> tuple[list[Product], dict[str, SKU]]:
    for line, desc, bonded_only, cap, note in POSITIVE_LIST:
        PositiveListLine.objects.update_or_create(tariff_line=line, defaults=dict(
            description=desc, bonded_only=bonded_only, per_order_qty_cap=cap, note=note))
    cats = {slug: Category.objects.update_or_create(
                slug=slug, defaults={"name": name, "name_en": name_en})[0]
            for slug, name, name_en in CATEGORIES}
    products: list[Product] = []
    skus: dict[str, SKU] = {}
    for spec in PRODUCTS:
        brand = orgs[spec.brand]
        country = BRANDS[spec.brand][2]
        product, _ = Product.objects.update_or_create(
            brand=brand, name_en=spec.name_en, defaults=dict(
                seller=orgs["seller"], category=cats[spec.category], name=spec.name,
                description=spec.description, description_en=spec.description_en,
                origin_country=country,
                origin_country_name=COUNTRY_NAMES[country],
                image=f"/static/img/products/{spec.image}.svg", active=True))
        sku, _ = SKU.objects.update_or_create(code=spec.code, defaults=dict(
            product=product, gtin=gtin(spec), gmodel=spec.gmodel, label_en=spec.label_en,
            hs_code=spec.hs_code,
            unit=spec.unit, legal_unit1=spec.legal_unit1,
            legal_qty1_per_unit=spec.legal_qty1, legal_unit2=spec.legal_unit2,
            legal_qty2_per_unit=spec.legal_qty2, net_weight_kg=spec.net_kg,
            gross_weight_kg=spec.gross_kg, net_content=spec.net_content,
            net_content_unit=spec.content_unit, vat_rate=spec.vat_rate,
            consumption_tax_rate=spec.ct_rate, consumption_tax_rule=spec.ct_rule,
            tariff_rate=spec.tariff_rate, bonded_only=spec.bonded_only, price=spec.price,
            price_includes_tax=spec.price_includes_tax, active=True))
        products.append(product)
        skus[spec.code] = sku
    return products, skus


def _stock(skus: dict[str, SKU], warehouses: dict[str, Warehouse]) -> int:
    """Receive two batches per SKU, once. Returns the number of stock rows created."""
    created_rows = 0
    for spec in PRODUCTS:
        sku = skus[spec.code]
        for suffix, produced, expiry, qty in BATCHES:
            batch, _ = Batch.objects.get_or_create(
                sku=sku, lot=f"{spec.code}-{suffix}",
                # Leather goods have no shelf life.
                defaults={"produced": produced, "expiry": expiry if spec.perishable else None})
            stock, created = Stock.objects.get_or_create(
                warehouse=warehouses[spec.warehouse], batch=batch,
                defaults={"sku": sku, "on_hand": qty, "reserved": 0})
            if created:
                StockMove.objects.create(stock=stock, kind=StockMove.Kind.RECEIVE,
                                         on_hand_delta=qty, ref="seed_demo",
                                         note="演示数据入库 demo receipt")
                created_rows += 1
    return created_rows


def _users(orgs: dict[str, Organization], staff_password: str | None) -> dict[str, User]:
    ensure_groups()  # also gives operators view access in the admin
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    pw = staff_password
    ops = _user(OPS_LOGIN[0], pw or OPS_LOGIN[1], is_staff=True, display_name="平台运营")
    ops.groups.add(groups["operator"])
    admin = _user(ADMIN_LOGIN[0], pw or ADMIN_LOGIN[1], is_staff=True, is_superuser=True,
                  display_name="系统管理员")
    leader = _user(LEADER_LOGIN[0], pw or LEADER_LOGIN[1], display_name=SHOP_NAME)
    leader.groups.add(groups["leader"])
    brand = _user(BRAND_LOGIN[0], pw or BRAND_LOGIN[1], display_name="Sakura Beauty 品牌专员")
    brand.groups.add(groups["brand_staff"])
    orgs["sakura"].members.add(brand)
    return {"ops": ops, "admin": admin, "leader": leader, "brand": brand, "buyer": _buyer()}


def _shop(leader: User, products: list[Product]) -> Shop:
    shop, _ = Shop.objects.update_or_create(slug=SHOP_SLUG, defaults=dict(
        owner=leader, name=SHOP_NAME, active=True,
        intro="小林亲自试用、从保税仓发货的海外好物。正品保税，海关清关可查。"
              " Imported goods I use myself, shipped from a bonded warehouse."))
    for position, product in enumerate(products, start=1):
        Listing.objects.get_or_create(shop=shop, product=product,
                                      defaults={"position": position, "active": True})
    return shop


def _network_and_plans(users: dict[str, User], products: list[Product],
                       staff_password: str | None) -> None:
    """The demo leader goes through the real application and approval (so the
    console has an invite code, a team and a grade), invites a second leader,
    and commission plans exist: 10 % by default, 15 % on the first product.
    Plans pay the attributed leader only (one level; see commission.policy)."""
    from shequn.distribution import applications

    ops = users["ops"]
    leader = users["leader"]
    profile = LeaderProfile.objects.filter(user=leader).first()
    if profile is None:
        profile = applications.apply(leader, real_name="林小", phone="13900000001",
                                region="浙江省杭州市", reason="演示团长 demo leader")
        profile = applications.approve(profile.pk, ops, "演示数据 demo data")
    second = _user("leader2", staff_password or LEADER_LOGIN[1], display_name="阿青的小店")
    if not LeaderProfile.objects.filter(user=second).exists() and profile.invite_code:
        invited = applications.apply(second, real_name="陈青", phone="13900000002",
                                region="上海市", reason="朋友邀请 invited by a friend",
                                invite_code=profile.invite_code)
        applications.approve(invited.pk, ops, "演示数据 demo data")
    active = CommissionPlan.objects.filter(active=True)
    if not active.filter(scope=CommissionPlan.Scope.DEFAULT).exists():
        commission.create_plan(ops, scope=CommissionPlan.Scope.DEFAULT,
                               kind=CommissionPlan.Kind.RATE, rate="0.10")
    if products and not active.filter(product=products[0]).exists():
        commission.create_plan(ops, scope=CommissionPlan.Scope.PRODUCT,
                               kind=CommissionPlan.Kind.RATE, rate="0.15",
                               product=products[0])


def seed_base(stdout: Writer | None = None, staff_password: str | None = None) -> DemoData:
    """Create (or find) the base demo data set (seeding.seed adds the supply side).
    ``staff_password`` replaces the published demo passwords of every staff,
    leader and brand login (staging: the instance is reachable by others)."""
    say = _say(stdout)
    orgs = _organizations()
    warehouses = _warehouses(orgs["warehouse"])
    products, skus = _catalog(orgs)
    received = _stock(skus, warehouses)
    users = _users(orgs, staff_password)
    shop = _shop(users["leader"], products)
    _network_and_plans(users, products, staff_password)
    say(f"演示数据就绪 Demo data ready: {len(products)} products, {len(skus)} SKUs, "
        f"{received} new stock rows received.")
    return DemoData(shop=shop, leader=users["leader"], operator=users["ops"],
                    admin=users["admin"], brand_user=users["brand"], buyer=users["buyer"],
                    seller=orgs["seller"], platform=orgs["platform"], skus=skus,
                    warehouses=warehouses,
                    brands={k: orgs[k] for k in BRANDS})


def share_token(shop: Shop) -> str:
    """A shop-level share link token of the shop's leader."""
    return make_share_token(shop, listing=None, channel="link")


def _pad(text: str, width: int) -> str:
    """Left-justify by terminal columns: CJK characters take two."""
    cols = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - cols)


def summary(data: DemoData, base_url: str = BASE_URL, staff_password: str | None = None,
            code_where: str = "login") -> str:
    """The text seed_demo prints: where to go and how to sign in. With a
    ``staff_password`` (staging) the password itself is not printed again, and
    ``code_where="inbox"`` says where a buyer's one-time code is then read."""
    token = share_token(data.shop)
    rows = [
        ("店铺 Store", f"{base_url}/s/{data.shop.slug}/"),
        ("分享链接 Share link", f"{base_url}/t/{token}/"),
        ("团长后台 Leader console", f"{base_url}/leader/"),
        ("运营后台 Operations", f"{base_url}/ops/"),
        ("管理后台 Django admin", f"{base_url}/admin/"),
        ("接口文档 API docs", f"{base_url}/api/docs"),
    ]

    def pw(demo_value: str) -> str:
        return "(--staff-password)" if staff_password else demo_value

    code = ("验证码显示在登录页（短信模拟器） the code is shown on the sign-in page (SMS simulator)"
            if code_where == "login" else
            f"验证码在短信模拟器收件箱（仅限员工） the code is in the staff-only SMS inbox "
            f"{base_url}/sim/sms/")
    logins = [
        ("运营 Operator", f"{OPS_LOGIN[0]} / {pw(OPS_LOGIN[1])}"),
        ("超级管理员 Superuser", f"{ADMIN_LOGIN[0]} / {pw(ADMIN_LOGIN[1])}"),
        ("团长 Leader", f"{LEADER_LOGIN[0]} / {pw(LEADER_LOGIN[1])}"),
        ("受邀团长 Invited leader", f"leader2 / {pw(LEADER_LOGIN[1])}"),
        ("品牌方 Brand staff", f"{BRAND_LOGIN[0]} / {pw(BRAND_LOGIN[1])}"),
        ("买家 Buyer", f"手机 phone {BUYER_PHONE} — {code}"),
    ]
    lines = ["", "=" * 72, "  社群 Shequn — 演示环境 Demo", "=" * 72, "", "  入口 Where to go:"]
    lines += [f"    {_pad(label, 28)}{value}" for label, value in rows]
    lines += ["", "  演示账号 Demo logins (用户名 / 密码 username / password):"]
    lines += [f"    {_pad(label, 28)}{value}" for label, value in logins]
    lines += ["", "=" * 72, ""]
    return "\n".join(lines)
