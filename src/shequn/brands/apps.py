from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BrandsConfig(AppConfig):
    name = "shequn.brands"
    label = "brands"
    verbose_name = _("Brands")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shequn.brands import chain, grants
        from shequn.catalog import hooks
        from shequn.core import worker

        worker.periodic(grants.expire_due)
        # New SKUs, approvals, another brand/seller/category: covers follow at once.
        hooks.on_products_changed(chain.recompute_for_products)
