from django.apps import AppConfig

from common import uploads


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        # signals_worksheet: the working sheet is append-only.
        from . import activity, case_sections, signals_worksheet  # noqa: F401
        from . import tasks as celery_tasks
        from .services import notifications
        from .views import closure, documents, risk, tasks, worksheet

        activity.connect()
        # Documents whose names are very long are read, not refused (common/uploads.py).
        uploads.read_long_part_headers()
        # Notifications hand their e-mails to the Celery task (the task module imports the
        # service, so the service is given the task rather than importing it).
        notifications.email_queue = lambda alert_id: celery_tasks.deliver_notification.delay(
            alert_id
        )
        # The incident's own sections of the case page (people and retention add theirs).
        for name, module, order, printed in (
            ("risk", risk, 20, True),
            ("worksheet", worksheet, 30, True),
            ("tasks", tasks, 40, True),
            ("documents", documents, 50, False),
            ("closure", closure, 60, True),
        ):
            case_sections.register(name, module.detail_context, order=order, printed=printed)
