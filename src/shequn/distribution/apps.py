from django.apps import AppConfig


class DistributionConfig(AppConfig):
    name = "shequn.distribution"
    label = "distribution"
    verbose_name = "分销网络 Leaders and attribution"

    def ready(self) -> None:
        from shequn.core.worker import periodic
        from shequn.distribution.grades import grades_job

        periodic(grades_job)
