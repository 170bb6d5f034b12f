from django.apps import AppConfig


class PeopleConfig(AppConfig):
    """People and their involvement in incidents (SPEC §6): built in issue #3."""

    name = "people"
    verbose_name = "People"
