from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = "Access: partnership, users and the access policy"

    def ready(self) -> None:
        # Connect the sign-in receivers: the session registry, the session-limit clocks, and
        # the note of whether the user must also enter a two-factor code.
        from . import session_registry, sessions, two_factor  # noqa: F401
