from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "shequn.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from shequn.core import worker
        from shequn.payments import handlers  # noqa: F401  (registers outbox handlers)
        from shequn.payments.wechatpay import notify
        from shequn.payments.wechatpay.sim import delivery

        # WeChat Pay: query payments whose notification never came; the simulator's
        # pushes on their retry schedule (both do nothing unless configured).
        worker.periodic(notify.reconcile_job)
        worker.periodic(delivery.deliver_job)
