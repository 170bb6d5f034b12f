"""Where a user is signed in, for their account page (M3): the sessions still running, each
with its browser and device, the address it signed in from and when it was last used; and
signing one of the others out.

The registry (access/session_registry.py) has a row for every sign-in, but a session can end
without its row going: it times out (idle or absolute limit, access/sessions.py) with nobody
there to make the next request, or the session store forgets it. So a row counts only while
its session is still in the store, still signed in as the user, and within both limits; the
last-use time is the session's own record of activity (written at most every 30 seconds).
When the user signs in, the rows of their sessions that have ended are forgotten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record_event

from . import policy
from .models import SignedInSession, User
from .session_registry import end_session_keys, session_store
from .sessions import LAST_ACTIVITY, SIGNED_IN_AT, absolute_timeout, idle_timeout

# (pattern in the User-Agent, what people call it), the first match wins: Edge and Opera
# also say "Chrome", Chrome also says "Safari".
_BROWSERS = (
    (r"Edg(e|A|iOS)?/", "Edge"),
    (r"OPR/|Opera", "Opera"),
    (r"SamsungBrowser/", "Samsung Internet"),
    (r"Firefox/|FxiOS/", "Firefox"),
    (r"Chrome/|CriOS/|Chromium/", "Chrome"),
    (r"Version/[\d.]+.*Safari/", "Safari"),
)
_SYSTEMS = (
    (r"iPhone", "an iPhone"),
    (r"iPad", "an iPad"),
    (r"Android", "Android"),
    (r"Windows", "Windows"),
    (r"CrOS", "ChromeOS"),
    (r"Macintosh|Mac OS X", "a Mac"),
    (r"Linux", "Linux"),
)


def describe_device(user_agent: str) -> str:
    """The browser and the device of a User-Agent, in the words people use: "Firefox on
    Windows", "Safari on an iPhone"; "An unknown browser" when it says neither."""
    browser = next((name for pattern, name in _BROWSERS if re.search(pattern, user_agent)), "")
    system = next((name for pattern, name in _SYSTEMS if re.search(pattern, user_agent)), "")
    if browser and system:
        return f"{browser} on {system}"
    if browser:
        return browser
    if system:
        return f"A browser on {system}"
    return "An unknown browser"


@dataclass(frozen=True)
class ActiveSession:
    pk: int
    device: str
    ip_address: str | None
    signed_in_at: datetime
    last_used_at: datetime
    this_device: bool


def _stored_sessions(keys: list[str]) -> dict[str, dict]:
    """The data of those of these sessions that the store still holds (unexpired): one
    query for a database-backed store, else one read per session."""
    if not keys:
        return {}
    store = session_store()
    if hasattr(store, "get_model_class"):
        rows = store.get_model_class().objects.filter(
            session_key__in=keys, expire_date__gt=timezone.now()
        )
        decoder = store()
        return {row.session_key: decoder.decode(row.session_data) for row in rows}
    found = {}
    for key in keys:
        session = store(session_key=key)
        data = session.load()
        if data and session.session_key == key:
            found[key] = data
    return found


def _running(data: dict, user: User, now: float) -> bool:
    """The session is signed in as `user` and within the idle and absolute limits (the
    test access/sessions.py applies at its next request)."""
    if str(data.get(SESSION_KEY)) != str(user.pk):
        return False
    signed_in, last = data.get(SIGNED_IN_AT), data.get(LAST_ACTIVITY)
    if signed_in is not None and now - signed_in > absolute_timeout():
        return False
    return last is None or now - last <= idle_timeout()


def _registered(user: User) -> tuple[list[SignedInSession], dict[str, dict]]:
    rows = list(SignedInSession.objects.filter(user_id=user.pk).order_by("-signed_in_at", "-id"))
    return rows, _stored_sessions([row.session_key for row in rows])


def active_sessions(user: User, *, current_key: str | None) -> list[ActiveSession]:
    """The user's sessions that are still running, this device's first, then the most
    recently used. Two queries, however many sessions there are."""
    now = timezone.now()
    rows, stored = _registered(user)
    found = []
    for row in rows:
        this_device = bool(current_key) and row.session_key == current_key
        data = stored.get(row.session_key)
        if not this_device and (data is None or not _running(data, user, now.timestamp())):
            continue
        last = (data or {}).get(LAST_ACTIVITY)
        if this_device:
            last_used = now
        elif last is not None:
            last_used = datetime.fromtimestamp(last, tz=UTC)
        else:
            last_used = row.signed_in_at
        found.append(
            ActiveSession(
                pk=row.pk,
                device=describe_device(row.user_agent),
                ip_address=row.ip_address,
                signed_in_at=row.signed_in_at,
                last_used_at=last_used,
                this_device=this_device,
            )
        )
    return sorted(found, key=lambda s: (not s.this_device, -s.last_used_at.timestamp()))


def forget_ended_sessions(user: User, *, keep: str | None) -> int:
    """Remove the registry rows of the user's sessions that have ended (timed out, or gone
    from the store) and the store's leftovers of them, never the session `keep` (the one
    signing in, not yet saved as signed in). Returns how many."""
    rows, stored = _registered(user)
    now = timezone.now().timestamp()
    ended = [
        row.session_key
        for row in rows
        if row.session_key != keep
        and (row.session_key not in stored or not _running(stored[row.session_key], user, now))
    ]
    return end_session_keys(ended) if ended else 0


@receiver(user_logged_in, dispatch_uid="access.forget_ended_sessions")
def _forget_ended_at_sign_in(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    forget_ended_sessions(user, keep=session.session_key if session is not None else None)


def get_other_session_for_user(
    user: User, pk, *, current_key: str | None, request=None
) -> SignedInSession:
    """One of the user's own sessions other than the one making the request; anyone else's,
    a missing one and the user's own current one are all refused as missing (V5)."""
    found = None
    if policy.is_key(pk):
        found = (
            SignedInSession.objects.filter(user_id=user.pk, pk=pk)
            .exclude(session_key=current_key or "")
            .first()
        )
    if found is None:
        exists = policy.is_key(pk) and SignedInSession.objects.filter(pk=pk).exists()
        policy.deny(user, request, ("signed_in_session", pk), "sign_out", exists=exists)
    return found


@transaction.atomic
def sign_out_session(session: SignedInSession, *, by: User) -> str:
    """End one of the user's other sessions now (M3): its next request is anonymous.
    Recorded as a sign-out of the user's, naming which session (never its key). Returns
    the session's device, for the page's message."""
    if session.user_id != by.pk:
        raise PermissionDenied
    device = describe_device(session.user_agent)
    end_session_keys([session.session_key])
    record_event(
        AuditEvent.Type.SIGNED_OUT,
        actor=by,
        target=("user", by.pk),
        details={
            "other_session": session.pk,
            "signed_in_at": session.signed_in_at.isoformat(),
            "device": device,
        },
    )
    return device
