from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TraceConfig(AppConfig):
    name = "shequn.trace"
    label = "trace"
    verbose_name = _("Traceability")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shequn.core import worker
        from shequn.trace import codes, handlers, signals  # noqa: F401  (registers handlers)
        from shequn.trace.epcis import capture  # noqa: F401  (registers its job)

        worker.periodic(codes.resume_stale)
        worker.periodic(signals.scan_orders_job)
        from shequn.trace import partitions

        worker.periodic(partitions.ensure_job)
        from shequn.trace import retention

        worker.periodic(retention.erase_job)
        from shequn.logistics import outbound
        from shequn.trace import packing

        outbound.add_pack_check(packing.require_scanned)
        from shequn.trace import verify

        verify.connect_cache_invalidation()
