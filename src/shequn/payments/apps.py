from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "shequn.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from shequn.payments import handlers  # noqa: F401  (registers outbox handlers)
