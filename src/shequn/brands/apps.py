from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BrandsConfig(AppConfig):
    name = "shequn.brands"
    label = "brands"
    verbose_name = _("Brands")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shequn.brands import grants
        from shequn.core import worker

        worker.periodic(grants.expire_due)
