from django.apps import AppConfig


class RetentionConfig(AppConfig):
    """Retention rules, sweeps and subject access (SPEC §13): built in issue #7."""

    name = "retention"
    verbose_name = "Retention"
