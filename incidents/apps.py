from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        from . import signals_worksheet  # noqa: F401  (the working sheet is append-only)
