from django.apps import AppConfig


class CustomsConfig(AppConfig):
    name = "shequn.customs"
    label = "customs"
    verbose_name = "海关清关 Customs clearance"

    def ready(self) -> None:
        from shequn.core import worker
        from shequn.customs import handlers, services  # noqa: F401  (registers handlers)

        worker.periodic(services.pump_embedded)
