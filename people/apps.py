from django.apps import AppConfig


class PeopleConfig(AppConfig):
    """People and their involvement in incidents (SPEC §6)."""

    name = "people"
    verbose_name = "People"

    def ready(self) -> None:
        from incidents import case_sections

        from . import views

        # The people section of the case page, printed too.
        case_sections.register("people", views.detail_context, order=10, printed=True)
