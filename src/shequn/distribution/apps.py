from django.apps import AppConfig


class DistributionConfig(AppConfig):
    name = "shequn.distribution"
    label = "distribution"
    verbose_name = "分销网络 Leaders and attribution"
