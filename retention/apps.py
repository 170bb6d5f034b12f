from django.apps import AppConfig


class RetentionConfig(AppConfig):
    """Retention rules, sweeps and subject access (SPEC §13)."""

    name = "retention"
    verbose_name = "Retention"

    def ready(self) -> None:
        from incidents import case_sections

        from .views import incident

        # The retention panel of the case page (not printed).
        case_sections.register("retention", incident.detail_context, order=70, printed=False)
