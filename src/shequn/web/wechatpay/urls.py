from django.urls import path

from shequn.web.wechatpay import views

app_name = "wechatpay"

urlpatterns = [
    path("pay/wechat/notify", views.payment_notify, name="notify"),
    path("pay/wechat/refund-notify", views.refund_notify, name="refund_notify"),
    path("pay/wechat/<uuid:checkout_id>/", views.pay_page, name="pay"),
]
