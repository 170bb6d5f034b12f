from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = "Access: partnership, users and the access policy"

    def ready(self) -> None:
        # Connect the sign-in receivers (the session registry and the forgetting of ended
        # sessions, the session-limit clocks, and the note of whether the user must also
        # enter a two-factor code), and install the policy's rule for every incident list
        # (Incident.objects.for_user).
        from incidents.models.incident import IncidentQuerySet

        from . import account_sessions, session_registry, sessions, two_factor  # noqa: F401
        from .policy import incident_scope

        IncidentQuerySet.scope = staticmethod(incident_scope)
