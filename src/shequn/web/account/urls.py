from django.urls import include, path

from shequn.web.account import views

app_name = "account"

urlpatterns = [
    path("login/", views.login_page, name="login"),
    path("login/code/", views.send_code, name="send_code"),
    path("logout/", views.logout_view, name="logout"),
    # Sign in with WeChat, phone binding (web/account/wechat.py)
    path("", include("shequn.web.account.wechat")),
]
