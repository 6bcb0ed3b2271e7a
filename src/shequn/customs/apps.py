from django.apps import AppConfig


class CustomsConfig(AppConfig):
    name = "shequn.customs"
    label = "customs"
    verbose_name = "海关清关 Customs clearance"
