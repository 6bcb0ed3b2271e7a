from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "shequn.logistics"
    label = "logistics"
    verbose_name = _("Logistics")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shequn.core import worker
        from shequn.logistics import handlers, outbound  # noqa: F401  (registers handlers)

        worker.periodic(outbound.pump_embedded)
        worker.periodic(outbound.auto_deliver_due)
