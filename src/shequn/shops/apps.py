from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopsConfig(AppConfig):
    name = "shequn.shops"
    label = "shops"
    verbose_name = _("Micro-shops")

    def ready(self) -> None:
        from shequn.shops import handlers  # noqa: F401  (registers outbox handlers)
