from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommissionConfig(AppConfig):
    name = "shequn.commission"
    label = "commission"
    verbose_name = _("Commission and withdrawals")

    def ready(self) -> None:
        from shequn.commission import handlers, services  # noqa: F401 (registers handlers)
        from shequn.core import worker

        worker.periodic(services.settle_job)
        worker.periodic(services.payout_job)
