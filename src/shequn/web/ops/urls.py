from django.urls import include, path

import shequn.core.converters  # noqa: F401  (registers <id:...>)
from shequn.web.ops import outbox_views, views

app_name = "ops"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<str:number>/", views.order_detail, name="order"),
    path("orders/<str:number>/<slug:action>/", views.order_action, name="order_action"),
    path("audit/", views.audit_log, name="audit"),
    path("", include("shequn.web.ops.leaders_views")),  # leaders, bindings, money, fission
    path("", include("shequn.web.ops.customs_views")),  # customs console
    path("", include("shequn.web.ops.orgs_views")),  # organizations, people, API keys, notices
    path("", include("shequn.web.ops.grants_views")),  # authorization grant review
    path("", include("shequn.web.ops.reviews_views")),  # product reviews
    path("", include("shequn.web.ops.risk_views")),  # traceability and resale signals
    path("outbox/", outbox_views.outbox_events, name="outbox"),
    path("outbox/<id:pk>/", outbox_views.outbox_event, name="outbox_event"),
    path("outbox/<id:pk>/<slug:action>/", outbox_views.outbox_action, name="outbox_action"),
]
