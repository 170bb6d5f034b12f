"""Sign-in, sign-out, failed sign-in and lockout are security events (SPEC A3)."""

from axes.helpers import get_failure_limit
from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import AuditEvent
from .services import record_event


def _known_account(username: str):
    """The account a username names, if any: a failed sign-in or a lockout is recorded
    against that account's organisation, so its administrators see it."""
    if not username:
        return None
    return (
        get_user_model()
        ._default_manager.select_related("organisation")
        .filter(username=username)
        .first()
    )


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    record_event(AuditEvent.Type.SIGNED_IN, actor=user, request=request, target=("user", user.pk))


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    # A time-out is recorded as SESSION_EXPIRED (access/sessions.py), not as a sign-out.
    if user is not None and not getattr(request, "access_session_expired", None):
        record_event(
            AuditEvent.Type.SIGNED_OUT, actor=user, request=request, target=("user", user.pk)
        )


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    # Only the username is kept: never the password that was tried.
    username = str(credentials.get("username", ""))[:150]
    account = _known_account(username)
    details = {"username": username, "known_account": account is not None}
    # Refused by django-axes before the password was checked: the account was locked
    # already (the failure that locks it has counted failures; this one has not).
    if getattr(request, "axes_locked_out", False) and (
        getattr(request, "axes_failures_since_start", None) is None
    ):
        details["while_locked"] = True
    record_event(
        AuditEvent.Type.SIGN_IN_FAILED,
        request=request,
        actor_label=username,
        target=("user", account.pk) if account else None,
        organisation=account.organisation if account else None,
        outcome=AuditEvent.Outcome.FAILURE,
        details=details,
    )


@receiver(user_locked_out, dispatch_uid="audit.account_locked")
def _account_locked(sender, request, username=None, ip_address=None, **kwargs):
    # django-axes signals a lockout again for every sign-in tried while locked: the lockout
    # itself is the failure that reached the limit (it alone counts failures).
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None or failures != get_failure_limit(request, None):
        return
    username = str(username or "")[:150]
    account = _known_account(username)
    record_event(
        AuditEvent.Type.ACCOUNT_LOCKED,
        request=request,
        actor_label=username,
        target=("user", account.pk) if account else None,
        organisation=account.organisation if account else None,
        outcome=AuditEvent.Outcome.FAILURE,
        details={"username": username, "failures": failures, "known_account": bool(account)},
    )
