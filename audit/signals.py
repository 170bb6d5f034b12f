"""Sign-in, sign-out and failed sign-in are security events (SPEC A3)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import AuditEvent
from .services import record_event


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    record_event(AuditEvent.Type.SIGNED_IN, actor=user, request=request)


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        record_event(AuditEvent.Type.SIGNED_OUT, actor=user, request=request)


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    # Only the username is kept: never the password that was tried.
    username = str(credentials.get("username", ""))[:150]
    record_event(
        AuditEvent.Type.SIGN_IN_FAILED,
        request=request,
        actor_label=username,
        outcome=AuditEvent.Outcome.FAILURE,
        details={"username": username},
    )
