"""Simulator pages, mounted outside production only (shequn/web/urls.py)."""

from django.urls import include, path

from shequn.payments import sim_views
from shequn.web.sim import views
from shequn.web.sim.gate import simulator_page

urlpatterns: list = [
    path("sim/sms/", views.sms_inbox, name="sim_sms"),
    path("paysim/<uuid:checkout_id>/", simulator_page(sim_views.pay_page), name="paysim"),
]
# WeChat API simulators (server-to-server: credentials checked, no staff gate).
urlpatterns.append(path("_sim/wechat/", include("shequn.web.sim.wechat_api")))
