from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = "Access: partnership, users and the access policy"

    def ready(self) -> None:
        from . import session_registry  # noqa: F401  (connects the sign-in receivers)
