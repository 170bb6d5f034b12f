from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        from . import activity, signals_worksheet  # noqa: F401  (the working sheet is append-only)

        activity.connect()
