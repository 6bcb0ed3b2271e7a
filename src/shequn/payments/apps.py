from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "shequn.payments"
    label = "payments"
    verbose_name = "支付 Payments"

    def ready(self) -> None:
        from shequn.payments import handlers  # noqa: F401  (registers outbox handlers)
