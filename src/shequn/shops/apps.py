from django.apps import AppConfig


class ShopsConfig(AppConfig):
    name = "shequn.shops"
    label = "shops"
    verbose_name = "盟店 Micro-shops"
