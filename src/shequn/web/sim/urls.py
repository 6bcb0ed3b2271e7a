"""Simulator pages, mounted outside production only (shequn/web/urls.py)."""

from django.urls import path

from shequn.payments import sim_views
from shequn.web.sim import views, wxcustoms
from shequn.web.sim.gate import simulator_page

urlpatterns = [
    path("sim/sms/", views.sms_inbox, name="sim_sms"),
    path("paysim/<uuid:checkout_id>/", simulator_page(sim_views.pay_page), name="paysim"),
    # WeChat Pay customs declaration (SHEQUN_WECHATPAY_CUSTOMS_URL=<site>/sim/wxpay).
    path("sim/wxpay/_sim/faults", wxcustoms.faults, name="sim_wxpay_faults"),
    path("sim/wxpay/cgi-bin/mch/<path:endpoint>", wxcustoms.api, name="sim_wxpay"),
]
