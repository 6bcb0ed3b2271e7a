from django.urls import path

from shequn.web.ops import views

app_name = "ops"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<str:number>/", views.order_detail, name="order"),
    path("orders/<str:number>/<slug:action>/", views.order_action, name="order_action"),
    path("audit/", views.audit_log, name="audit"),
    path("outbox/", views.outbox_events, name="outbox"),
]
