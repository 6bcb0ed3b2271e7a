from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data set and ``manage.py seed_demo``; no models."""

    name = "shequn.demo"
    label = "demo"
    verbose_name = "演示数据 Demo data"
