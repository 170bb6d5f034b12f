"""Which browser sessions each user holds, so that they can all be ended at once (SPEC §17:
"all sessions ended when a user is disabled or their partner suspended"; M3: sign out
everywhere).

A SignedInSession row is written at sign-in (with the address and the browser's User-Agent)
and removed at sign-out; `end_sessions` deletes the sessions themselves from the session
store, so the next request of any of them is anonymous, whatever the cookie says. A session
that ends without a sign-out (a time-out nobody came back to) keeps its row until the user's
next sign-in forgets it (access/account_sessions.py, which also lists the running ones).
"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from audit.services import client_address

from .models import SignedInSession

USER_AGENT_LENGTH = 400


def session_store():
    """The session engine's store class (sessions are read and ended through it)."""
    return import_module(settings.SESSION_ENGINE).SessionStore


@receiver(user_logged_in, dispatch_uid="access.remember_session")
def remember_session(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    if session.session_key is None:
        session.save()
    SignedInSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "ip_address": client_address(request),
            "user_agent": request.headers.get("User-Agent", "")[:USER_AGENT_LENGTH],
        },
    )


@receiver(user_logged_out, dispatch_uid="access.forget_session")
def forget_session(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        SignedInSession.objects.filter(session_key=session.session_key).delete()


def end_sessions(user_ids, *, except_session_key: str | None = None) -> int:
    """End every session of these users now (optionally keeping the caller's own). Returns
    how many were ended."""
    sessions = SignedInSession.objects.filter(user_id__in=list(user_ids))
    if except_session_key:
        sessions = sessions.exclude(session_key=except_session_key)
    return end_session_keys(list(sessions.values_list("session_key", flat=True)))


def end_session_keys(keys: list[str]) -> int:
    """End these sessions now: gone from the session store (the next request of any of them
    is anonymous) and from the registry. Returns how many there were."""
    store = session_store()
    for key in keys:
        store(session_key=key).delete()
    SignedInSession.objects.filter(session_key__in=keys).delete()
    return len(keys)
