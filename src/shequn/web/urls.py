"""Pages per audience. The simulators' pages are mounted outside production
only (ARCHITECTURE §5); in staging they are for staff (web/sim/gate.py)."""

from django.conf import settings
from django.urls import include, path

urlpatterns: list = [
    path("ops/", include("shequn.web.ops.urls")),
    path("leader/", include("shequn.web.leader.urls")),
    path("brand/", include("shequn.web.brand.urls")),
    path("warehouse/", include("shequn.web.warehouse.urls")),
    path("media/products/", include("shequn.web.store.product_images")),  # public pictures
    path("", include("shequn.web.account.urls")),
    path("", include("shequn.web.store.urls")),
    path("", include("shequn.web.wechatpay.urls")),  # WeChat Pay pages and notify endpoints
]
if settings.SHEQUN.get("SIMULATORS_MOUNTED", True):
    urlpatterns.insert(0, path("", include("shequn.web.sim.urls")))
