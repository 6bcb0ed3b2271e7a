from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shequn.core"
    label = "core"
    verbose_name = "核心 Core"

    def ready(self) -> None:
        from shequn.core import worker

        worker.start_if_configured()
