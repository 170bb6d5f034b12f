from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        # signals_worksheet: the working sheet is append-only.
        from . import activity, signals_worksheet, tasks  # noqa: F401
        from .services import notifications

        activity.connect()
        # Notifications hand their e-mails to the Celery task (the task module imports the
        # service, so the service is given the task rather than importing it).
        notifications.email_queue = lambda alert_id: tasks.deliver_notification.delay(alert_id)
