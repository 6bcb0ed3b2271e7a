from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "shequn.orders"
    label = "orders"
    verbose_name = "订单 Orders"

    def ready(self) -> None:
        from shequn.core import worker
        from shequn.orders import handlers, returns, services  # noqa: F401  (handlers)

        worker.periodic(services.expire_unpaid)
        worker.periodic(returns.complete_due)
