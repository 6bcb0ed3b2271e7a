from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomsConfig(AppConfig):
    name = "shequn.customs"
    label = "customs"
    verbose_name = _("Customs clearance")

    def ready(self) -> None:
        from shequn.core import worker
        from shequn.customs import handlers, paydecl, services  # noqa: F401  (registers handlers)
        from shequn.orders import services as order_services

        worker.periodic(services.pump_embedded)
        worker.periodic(paydecl.poll_due)
        paydecl.install_simulator()
        order_services.add_ship_check(services.check_can_ship)
