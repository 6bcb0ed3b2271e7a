from django.apps import AppConfig


class CustomsConfig(AppConfig):
    name = "shequn.customs"
    label = "customs"
    verbose_name = "海关清关 Customs clearance"

    def ready(self) -> None:
        from shequn.core import worker
        from shequn.customs import handlers, services  # noqa: F401  (registers handlers)
        from shequn.orders import services as order_services

        worker.periodic(services.pump_embedded)
        order_services.add_ship_check(services.check_can_ship)
