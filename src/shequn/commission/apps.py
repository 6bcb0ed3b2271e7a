from django.apps import AppConfig


class CommissionConfig(AppConfig):
    name = "shequn.commission"
    label = "commission"
    verbose_name = "佣金结算 Commission and withdrawals"
