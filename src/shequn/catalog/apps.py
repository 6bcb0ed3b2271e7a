from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "shequn.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from shequn.catalog import handlers  # noqa: F401  (registers the import job)
