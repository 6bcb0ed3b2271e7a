from django.urls import include, path

import shequn.core.converters  # noqa: F401  (registers <id:...>)
from shequn.web.store import views

app_name = "store"

urlpatterns = [
    path("", views.home, name="home"),
    path("s/<slug:slug>/", views.shop_home, name="shop"),
    path("s/<slug:slug>/p/<id:product_id>/", views.product_page, name="product"),
    path("t/<str:token>/", views.share_link, name="share"),
    path("cart/", views.cart_page, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/set/", views.cart_set, name="cart_set"),
    path("checkout/", views.checkout_page, name="checkout"),
    path("checkout/place/", views.checkout_place, name="checkout_place"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<str:number>/", views.order_detail, name="order"),
    path("orders/<str:number>/pay/", views.order_pay, name="order_pay"),
    path("orders/<str:number>/cancel/", views.order_cancel, name="order_cancel"),
    path("", include("shequn.web.store.returns_views")),  # /orders/<number>/return/
    path("", include("shequn.web.store.logistics_views")),  # /orders/<number>/received/
    path("me/", views.me_page, name="me"),
    path("", include("shequn.web.store.apply_views")),  # /apply/, /join/<token>/
]
