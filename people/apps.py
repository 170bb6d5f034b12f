from django.apps import AppConfig


class PeopleConfig(AppConfig):
    """People and their involvement in incidents (SPEC §6)."""

    name = "people"
    verbose_name = "People"

    def ready(self) -> None:
        from incidents import case_sections, reference_lists

        from . import views
        from .models import InterventionType

        # The people section of the case page, printed too.
        case_sections.register("people", views.detail_context, order=10, printed=True)
        # The interventions and disposals administrators keep.
        reference_lists.register(
            reference_lists.ReferenceList(
                "intervention-types", "Interventions and disposals", InterventionType,
                ("code", "label", "active"), ("label",), order=40,
            )
        )  # fmt: skip
