from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistributionConfig(AppConfig):
    name = "shequn.distribution"
    label = "distribution"
    verbose_name = _("Leaders and attribution")

    def ready(self) -> None:
        from shequn.core.worker import periodic
        from shequn.distribution.grades import grades_job

        periodic(grades_job)
