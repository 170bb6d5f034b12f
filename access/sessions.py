"""Session limits (SPEC §17; CJIS 5.5.5, ASVS 3.3.2): a session ends after
SESSION_IDLE_TIMEOUT without activity (30 minutes) and SESSION_ABSOLUTE_TIMEOUT after sign-in
(12 hours), whatever the user does; a session whose organisation has since been suspended
ends on its next request (T4).

The session keeps two times (seconds since the epoch, as the JSON session serializer needs):
when the user signed in and when they were last active. Each request of a signed-in user
is checked against both before anything else sees it. Requests the browser makes on its own
(the time-out dialog's status check, draft autosaves: views marked `@not_activity`) never
count as activity, or an open tab would keep a session alive for ever.

The last-activity time is written at most once every ACTIVITY_GRANULARITY (30 s for a
30-minute limit), so a busy user does not cost a session write on every request: a session
may therefore end up to 30 s before 30 minutes of real idleness, never after. The browser
always learns the exact time left from the server (`seconds_left`), so the warning dialog
agrees with it.

When a session ends the user is signed out, the end is recorded (SESSION_EXPIRED, with which
limit), and the new anonymous session carries a notice for the sign-in page
(`access_sign_in_notice`) and the paths of the form drafts saved while the user was away
(`access_drafts`), which are offered back to them once they sign in again (access/drafts.py).
"""

from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record_event

from .models import FormDraft, User
from .signin import suspension_message

SIGNED_IN_AT = "access_signed_in_at"
LAST_ACTIVITY = "access_last_activity"
NOTICE = "access_sign_in_notice"
DRAFTS = "access_drafts"

IDLE = "idle"
ABSOLUTE = "absolute"


# --- Reading the limits (at request time: tests and deployments change the settings) ----------


def idle_timeout() -> int:
    return settings.SESSION_IDLE_TIMEOUT


def absolute_timeout() -> int:
    return settings.SESSION_ABSOLUTE_TIMEOUT


def activity_granularity() -> float:
    """How stale the recorded last activity may be: a sixtieth of the idle limit, at most
    30 seconds."""
    return min(30.0, idle_timeout() / 60)


def _now() -> float:
    return timezone.now().timestamp()


@receiver(user_logged_in, dispatch_uid="access.start_session_clock")
def start_session_clock(sender, request, user, **kwargs):
    """Both clocks start at sign-in (connected in AccessConfig.ready)."""
    session = getattr(request, "session", None)
    if session is not None:
        now = _now()
        session[SIGNED_IN_AT] = now
        session[LAST_ACTIVITY] = now


def not_activity(view):
    """Mark a view whose requests the browser makes by itself: they do not extend the
    session."""
    view.session_activity = False
    return view


def seconds_left(
    session, now: float | None = None, *, active_now: bool = False
) -> tuple[int, str]:
    """Whole seconds until this signed-in session ends, and which limit ends it first.

    `active_now`: the request being answered counts as activity (even if the throttle did
    not write it yet), so a page states the full idle time: two pages served a second apart
    then carry the same number (test_not_found compares 404 pages byte for byte). The
    warning dialog asks the server for the exact time left before it opens."""
    now = _now() if now is None else now
    last = now if active_now else session.get(LAST_ACTIVITY, now)
    signed_in = session.get(SIGNED_IN_AT, now)
    idle_end = last + idle_timeout()
    absolute_end = signed_in + absolute_timeout()
    if absolute_end < idle_end:
        return max(0, int(absolute_end - now)), ABSOLUTE
    return max(0, int(idle_end - now)), IDLE


def record_activity(session, now: float | None = None, *, force: bool = False) -> None:
    now = _now() if now is None else now
    if force or now - session.get(LAST_ACTIVITY, 0) >= activity_granularity():
        session[LAST_ACTIVITY] = now


def _exceeded(session, now: float) -> str | None:
    if now - session[SIGNED_IN_AT] > absolute_timeout():
        return ABSOLUTE
    if now - session[LAST_ACTIVITY] > idle_timeout():
        return IDLE
    return None


# --- Words -------------------------------------------------------------------------------------


def describe_duration(seconds: int) -> str:
    """12 hours, 30 minutes, 1 hour 30 minutes, 25 seconds."""

    def unit(n: int, word: str) -> str:
        return f"{n} {word}" if n == 1 else f"{n} {word}s"

    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(unit(hours, "hour"))
    if minutes:
        parts.append(unit(minutes, "minute"))
    if secs or not parts:
        parts.append(unit(secs, "second"))
    return " ".join(parts)


def expiry_notice(limit: str, *, drafts_kept: bool) -> dict:
    if limit == ABSOLUTE:
        text = (
            "For your security, you are signed out "
            f"{describe_duration(absolute_timeout())} after you signed in."
        )
    else:
        text = (
            "For your security, you are signed out "
            f"after {describe_duration(idle_timeout())} without activity."
        )
    if drafts_kept:
        text += " What you had typed has been kept: you will find it when you sign in again."
    else:
        text += " Sign in again to carry on."
    return {"title": "You have been signed out", "text": text}


def suspension_notice(organisation) -> dict:
    # The same words as the sign-in page gives a user of a suspended partner.
    return {"title": "You have been signed out", "text": suspension_message(organisation)}


REFUSED_NOTICE = {
    "title": "You have been signed out",
    "text": "Your account can no longer be used. Ask your organisation's administrator.",
}


# --- Ending a session ----------------------------------------------------------------------------


@transaction.atomic
def end_expired_session(request, limit: str) -> None:
    """Sign the user out because their session reached `limit`, record it, and leave the
    sign-in page a notice (and the drafts saved while they were away, to offer back)."""
    user = request.user
    session = request.session
    last = datetime.fromtimestamp(session[LAST_ACTIVITY], tz=UTC)
    signed_in = datetime.fromtimestamp(session[SIGNED_IN_AT], tz=UTC)
    record_event(
        AuditEvent.Type.SESSION_EXPIRED,
        actor=user,
        request=request,
        target=("user", user.pk),
        details={
            "limit": limit,
            "signed_in_at": signed_in.isoformat(),
            "last_activity_at": last.isoformat(),
        },
    )
    # Drafts saved since the last thing the user did are what they were typing when the
    # session ran out; older ones belong to forms they have since moved on from.
    paths = sorted(
        set(FormDraft.objects.filter(user=user, saved_at__gte=last).values_list("path", flat=True))
    )
    # Lets a receiver of user_logged_out tell a time-out from the user signing out.
    request.access_session_expired = limit
    logout(request)
    request.session[NOTICE] = expiry_notice(limit, drafts_kept=bool(paths))
    if paths:
        request.session[DRAFTS] = {"user": user.pk, "paths": paths}


@transaction.atomic
def end_refused_session(request, user_id) -> None:
    """The session names a user the authentication backend now refuses (their account was
    disabled or their organisation suspended since they signed in, e.g. a suspension dated
    ahead that has just begun): end it and tell them why."""
    user = User.objects.select_related("organisation").filter(pk=user_id).first()
    request.session.flush()
    if user is None:
        return
    organisation = user.organisation
    if organisation.is_suspended():
        limit, notice = "suspended", suspension_notice(organisation)
    else:
        limit, notice = "refused", REFUSED_NOTICE
    record_event(
        AuditEvent.Type.SESSION_EXPIRED,
        actor=user,
        request=request,
        target=("user", user.pk),
        outcome=AuditEvent.Outcome.DENIED,
        details={"limit": limit},
    )
    request.session[NOTICE] = notice


# --- The middleware --------------------------------------------------------------------------


def _wants_json(request) -> bool:
    return request.path_info.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def _signed_out_response(request):
    if request.path_info == reverse("session-status"):
        # Asking whether the session still runs is not an error: it has ended.
        return JsonResponse({"signed_in": False, "seconds_left": 0})
    if _wants_json(request):
        return JsonResponse(
            {"signed_in": False, "detail": "Your session has ended. Sign in again."}, status=401
        )
    if request.method in ("GET", "HEAD"):
        return redirect_to_login(request.get_full_path())
    # What was posted cannot be replayed after sign-in; the page it came from is unknown.
    return redirect(settings.LOGIN_URL)


class SessionLimitsMiddleware:
    """Ends sessions past the idle or absolute limit, and sessions the backend now refuses;
    otherwise records the request as activity (unless its view is `@not_activity`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ended = self._check(request)
        if ended is not None:
            return ended
        return self.get_response(request)

    def _check(self, request):
        session = request.session
        if not request.user.is_authenticated:
            user_id = session.get(SESSION_KEY)
            if user_id is None:
                return None
            end_refused_session(request, user_id)
            if request.path_info == reverse(settings.LOGIN_URL):
                return None
            return _signed_out_response(request)
        now = _now()
        if SIGNED_IN_AT not in session or LAST_ACTIVITY not in session:
            # Sessions from before these limits: they start counting now.
            session.setdefault(SIGNED_IN_AT, now)
            session.setdefault(LAST_ACTIVITY, now)
        limit = _exceeded(session, now)
        if limit is None:
            return None
        end_expired_session(request, limit)
        if request.path_info == reverse(settings.LOGIN_URL):
            return None  # Already on its way to sign in again.
        return _signed_out_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.user.is_authenticated and getattr(view_func, "session_activity", True):
            record_activity(request.session)
            request.session_activity_now = True
        return None
