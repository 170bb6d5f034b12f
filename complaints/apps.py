from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    """Logging a complaint: the GOV.UK task list kept as a server-side draft, which on
    submission creates the incident (incidents) and the people involved in it (people) in
    one transaction. It sits above both apps; neither imports it."""

    name = "complaints"
    verbose_name = "Complaints"
