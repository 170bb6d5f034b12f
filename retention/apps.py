from django.apps import AppConfig


class RetentionConfig(AppConfig):
    """Retention rules, sweeps and subject access (SPEC §13)."""

    name = "retention"
    verbose_name = "Retention"

    def ready(self) -> None:
        from incidents import case_sections, reference_lists

        from .models import RetentionRule
        from .views import incident

        # The retention panel of the case page (not printed).
        case_sections.register("retention", incident.detail_context, order=70, printed=False)
        # Retention rules (D1, M2): which closed incidents are deleted when.
        reference_lists.register(
            reference_lists.ReferenceList(
                "retention-rules", "Retention rules", RetentionRule,
                ("name", "category", "outcome", "marking", "retain_for_months", "deletion",
                 "active"),
                ("name", "describe_criteria", "retain_for_months", "get_deletion_display"),
                ("Name", "Applies to", "Months after closure", "When due"),
                order=60,
            )
        )  # fmt: skip
