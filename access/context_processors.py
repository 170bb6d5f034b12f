from django.conf import settings
from django.urls import reverse

from .drafts import draft_waiting
from .sessions import seconds_left


def session_limits(request):
    """What the time-out dialog and the draft autosave need, written on <body> as data
    attributes for a signed-in user (templates/layout/base.html). Reads only the session."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return {}
    left, limit = seconds_left(
        request.session, active_now=getattr(request, "session_activity_now", False)
    )
    return {
        "session_limits": {
            "seconds_left": left,
            "limit": limit,
            "warning_seconds": settings.SESSION_WARNING_SECONDS,
            "status_url": reverse("session-status"),
            "extend_url": reverse("session-extend"),
            "sign_in_url": reverse(settings.LOGIN_URL),
            "drafts_url": reverse("form-draft-save"),
            "drafts_delete_url": reverse("form-draft-delete"),
            "draft_waiting": draft_waiting(request),
        }
    }
