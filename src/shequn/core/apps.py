from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "shequn.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.utils.translation import gettext

        from shequn.core import errors, worker

        # Error messages in the language of the request that shows them.
        errors.use_translator(gettext)
        worker.start_if_configured()
