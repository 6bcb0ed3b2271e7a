from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "shequn.checkout"
    label = "checkout"
    verbose_name = "结算 Checkout"
