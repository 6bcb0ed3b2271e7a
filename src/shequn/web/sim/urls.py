"""Simulator pages, mounted outside production only (shequn/web/urls.py)."""

from django.urls import include, path

from shequn.payments import sim_views
from shequn.payments.wechatpay.sim import views as wxpaysim
from shequn.web.sim import views, wxcustoms
from shequn.web.sim.gate import simulator_page

urlpatterns: list = [
    path("sim/sms/", views.sms_inbox, name="sim_sms"),
    path("paysim/<uuid:checkout_id>/",
         simulator_page(sim_views.pay_page, refused="paysim/for_staff.html"), name="paysim"),
    # WeChat Pay v3 simulator: the API (signed, like WeChat's), the payer's side, controls.
    path("wxpaysim/v3/<path:rest>", wxpaysim.v3, name="wxpaysim_v3"),
    path("wxpaysim/bridge.js", wxpaysim.bridge_js, name="wxpaysim_bridge_js"),
    path("wxpaysim/bridge/pay", wxpaysim.bridge_pay, name="wxpaysim_bridge_pay"),
    path("wxpaysim/h5/<str:prepay_id>/", simulator_page(wxpaysim.h5_page), name="wxpaysim_h5"),
    path("wxpaysim/scan/<str:code>/", simulator_page(wxpaysim.scan_page),
         name="wxpaysim_scan"),
    path("wxpaysim/_sim/faults", simulator_page(wxpaysim.faults), name="wxpaysim_faults"),
    path("wxpaysim/_sim/deliver", simulator_page(wxpaysim.deliver), name="wxpaysim_deliver"),
    # WeChat web authorization (the authorize page and sns/*): web/sim/wechat_oauth.py
    path("_sim/wechat/", include("shequn.web.sim.wechat_oauth")),
    # WeChat Pay customs declaration (SHEQUN_WECHATPAY_CUSTOMS_URL=<site>/sim/wxpay).
    path("sim/wxpay/_sim/faults", wxcustoms.faults, name="sim_wxpay_faults"),
    path("sim/wxpay/cgi-bin/mch/<path:endpoint>", wxcustoms.api, name="sim_wxpay"),
]
# WeChat API simulators (server-to-server: credentials checked, no staff gate).
urlpatterns.append(path("_sim/wechat/", include("shequn.web.sim.wechat_api")))
