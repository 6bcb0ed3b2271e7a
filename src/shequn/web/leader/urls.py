from django.urls import path

from shequn.web.leader import views

app_name = "leader"

urlpatterns = [
    path("", views.home, name="home"),
    path("shop/", views.shop_update, name="shop_update"),
    path("shop/new/", views.shop_create, name="shop_create"),
    path("products/", views.products, name="products"),
    path("products/<int:product_id>/toggle/", views.toggle_listing, name="toggle"),
    path("share/", views.share, name="share"),
    path("orders/", views.orders, name="orders"),
]
