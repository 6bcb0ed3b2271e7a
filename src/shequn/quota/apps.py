from django.apps import AppConfig


class QuotaConfig(AppConfig):
    name = "shequn.quota"
    label = "quota"
    verbose_name = "年度额度 CBEC quota"
