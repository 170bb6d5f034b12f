"""Which browser sessions each user holds, so that they can all be ended at once (SPEC §17:
"all sessions ended when a user is disabled or their partner suspended"; M3: sign out
everywhere).

A SignedInSession row is written at sign-in and removed at sign-out; `end_sessions` deletes
the sessions themselves from the session store, so the next request of any of them is
anonymous, whatever the cookie says.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from audit.services import client_address

from .models import SignedInSession


def _store():
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
        defaults={"user": user, "ip_address": client_address(request)},
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
    keys = list(sessions.values_list("session_key", flat=True))
    store = _store()
    for key in keys:
        store(session_key=key).delete()
    SignedInSession.objects.filter(session_key__in=keys).delete()
    return len(keys)
