"""Sign-in security (SPEC M3, T4, §17): why a sign-in is refused, the lockout page, the
user's own password change and signing out everywhere.

The lockout itself is django-axes' (settings: 5 failures, 10 minutes, keyed on the account);
the two-factor step is in access/two_factor.py and the gate that holds a signed-in user at
either step is access/middleware.py.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as format_date
from rest_framework.authtoken.models import Token

from audit.models import AuditEvent
from audit.services import record_event

from . import policy
from .models import SignedInSession, User
from .session_registry import end_sessions

# A message for the sign-in page left in the session by whatever ended a session (the idle
# and absolute time-outs, signing out everywhere): {"title": ..., "text": ...}, popped by
# the sign-in page when it shows it.
SIGN_IN_NOTICE = "access_sign_in_notice"

DISABLED = "This account is not enabled. Ask your organisation's administrator."
ORGANISATION_INACTIVE = (
    "Your organisation no longer has access to this service. Ask your organisation's "
    "administrator."
)
DATE_FORMAT = "j M Y H:i"


def leave_notice(request, title: str, text: str) -> None:
    """Show `title` and `text` on the next sign-in page this browser sees."""
    request.session[SIGN_IN_NOTICE] = {"title": title, "text": text}


def take_notice(request) -> dict | None:
    notice = request.session.pop(SIGN_IN_NOTICE, None)
    if isinstance(notice, dict) and notice.get("title"):
        return {"title": str(notice["title"]), "text": str(notice.get("text", ""))}
    return None


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"This account is locked for {minutes} minutes after {settings.AXES_FAILURE_LIMIT} "
        "failed sign-in attempts. Try again later, or ask your organisation's administrator "
        "to unlock it."
    )


def _when(moment) -> str:
    return format_date(timezone.localtime(moment), DATE_FORMAT)


def suspension_message(organisation) -> str:
    period = f"from {_when(organisation.suspended_from)}"
    if organisation.suspended_until is not None:
        period += f" until {_when(organisation.suspended_until)}"
    reason = organisation.suspension_reason.strip() or "no reason was given"
    return f"Your organisation's access is suspended {period}: {reason}"


def refusal(user: User) -> tuple[str, str] | None:
    """Why this user may not use the system now, as (reason code, message for them), or
    None when they may (T4). Only ever shown to someone who proved they hold the account:
    the right password, or a valid API token."""
    if policy.may_use_system(user):
        return None
    if not user.is_active:
        return "disabled", DISABLED
    organisation = user.organisation
    if not organisation.is_active:
        return "organisation_inactive", ORGANISATION_INACTIVE
    return "suspended", suspension_message(organisation)


def record_refused_sign_in(user: User, reason: str, request=None) -> None:
    record_event(
        AuditEvent.Type.SIGN_IN_REFUSED,
        actor=user,
        request=request,
        target=("user", user.pk),
        outcome=AuditEvent.Outcome.DENIED,
        details={"reason": reason},
    )


def previous_sign_in(user: User):
    """When the user signed in before the current sign-in, or None (shown on the account
    page so that a sign-in they did not make stands out)."""
    times = (
        AuditEvent.objects.filter(actor_id=user.pk, event_type=AuditEvent.Type.SIGNED_IN)
        .order_by("-occurred_at", "-id")
        .values_list("occurred_at", flat=True)[1:2]
    )
    return next(iter(times), None)


def renew_session_key(request) -> None:
    """A new session key when the session gains privilege (second factor, new password),
    so that a key seen before cannot be used (ASVS 3.2.1); the registry of signed-in
    sessions follows the key."""
    old_key = request.session.session_key
    request.session.cycle_key()
    if old_key:
        SignedInSession.objects.filter(session_key=old_key).update(
            session_key=request.session.session_key
        )


@transaction.atomic
def change_password(user: User, *, new_password: str, request) -> int:
    """The user's own new password (M3): set it, lift "must change at next sign-in", end
    every other session of theirs and keep this one signed in. Returns how many other
    sessions ended."""
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    current = request.session.session_key
    ended = end_sessions([user.pk], except_session_key=current)
    update_session_auth_hash(request, user)  # keeps this session; cycles its key
    if current:
        SignedInSession.objects.filter(session_key=current).update(
            session_key=request.session.session_key
        )
    record_event(
        AuditEvent.Type.PASSWORD_CHANGED,
        actor=user,
        request=request,
        target=("user", user.pk),
        details={"other_sessions_ended": ended},
    )
    return ended


@transaction.atomic
def sign_out_everywhere(user: User, *, request) -> int:
    """End every other session of the user now (M3); the caller then signs this one out.
    Returns how many other sessions ended."""
    ended = end_sessions([user.pk], except_session_key=request.session.session_key)
    # Everywhere includes the API: the user's tokens go too (a new one is issued on request).
    tokens, _ = Token.objects.filter(user=user).delete()
    record_event(
        AuditEvent.Type.SIGNED_OUT_EVERYWHERE,
        actor=user,
        request=request,
        target=("user", user.pk),
        details={
            "other_sessions_ended": ended,
            **({"api_tokens_revoked": tokens} if tokens else {}),
        },
    )
    return ended
