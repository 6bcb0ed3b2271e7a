from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "shequn.orders"
    label = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from shequn.core import worker
        from shequn.orders import handlers, returns, services  # noqa: F401  (handlers)

        worker.periodic(services.expire_unpaid)
        worker.periodic(returns.complete_due)
