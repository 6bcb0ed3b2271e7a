from django.urls import path

import shequn.core.converters  # noqa: F401  (registers <id:...>)
from shequn.web.leader import money, network, notices_views, poster_views, profile_views, views

app_name = "leader"

urlpatterns = [
    path("", views.home, name="home"),
    path("shop/", views.shop_update, name="shop_update"),
    path("shop/new/", views.shop_create, name="shop_create"),
    path("products/", views.products, name="products"),
    path("products/<id:product_id>/toggle/", views.toggle_listing, name="toggle"),
    path("share/", views.share, name="share"),
    path("orders/", views.orders, name="orders"),
    path("posters/shop.png", poster_views.shop_poster, name="poster_shop"),
    path("posters/invite.png", poster_views.invite_poster, name="poster_invite"),
    path("posters/listing/<id:listing_id>.png", poster_views.product_poster,
         name="poster_product"),
    path("avatar/", profile_views.avatar_upload, name="avatar_upload"),
    path("avatar/remove/", profile_views.avatar_remove, name="avatar_remove"),
    path("avatar.jpg", profile_views.avatar, name="avatar"),
    path("customers/", network.customers, name="customers"),
    path("team/", network.team, name="team"),
    path("team/<id:profile_id>/children/", network.team_children, name="team_children"),
    path("earnings/", money.earnings, name="earnings"),
    path("earnings/withdraw/", money.withdraw, name="withdraw"),
    path("notices/", notices_views.notices, name="notices"),
]
