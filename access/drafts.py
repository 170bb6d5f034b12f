"""Form drafts and the session endpoints the time-out dialog talks to (SPEC §17: "an
autosaved draft so that a timed-out form loses nothing"; WCAG 2.2.1).

The browser (frontend/static/js/form-drafts.mjs) posts what the user has typed into a form
when the time-out warning opens, just before the session ends, and a minute after a change.
A draft belongs to its author alone: every query here is filtered by request.user, so
anyone else's draft, like a missing one, answers 404. When a session ends, the paths of the
drafts saved since the user's last activity are kept in the new session
(access/sessions.py); after signing in again the page at such a path offers the draft back
once and it is deleted. Drafts nobody comes back for are deleted after DRAFT_KEEP_DAYS
(access.tasks.delete_old_drafts).

Drafts are not audited: they are the user's own unsaved typing, shown to nobody else and
part of no record until the user submits the form, which is audited then. A save every
minute would bury the audit trail.
"""

import json
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.validation import without_nul

from .models import FormDraft
from .sessions import DRAFTS, not_activity, record_activity, seconds_left

MAX_PATH = FormDraft._meta.get_field("path").max_length
MAX_FORM_KEY = FormDraft._meta.get_field("form_key").max_length


class DraftProblem(ValueError):
    """A draft the server will not keep, with the reason."""


# --- Services --------------------------------------------------------------------------------


def clean_draft(path, form_key, data) -> tuple[str, str, dict[str, list[str]]]:
    """A draft is a page path, a form key and, for each field name, the list of its values."""
    if not isinstance(path, str) or not path.startswith("/") or len(path) > MAX_PATH:
        raise DraftProblem("path: a path on this site")
    if not isinstance(form_key, str) or not form_key or len(form_key) > MAX_FORM_KEY:
        raise DraftProblem("form_key: the form's key")
    if not isinstance(data, dict) or not all(
        isinstance(name, str)
        and isinstance(values, list)
        and all(isinstance(value, str) for value in values)
        for name, values in data.items()
    ):
        raise DraftProblem("data: each field name with a list of its values")
    return path, form_key, data


@transaction.atomic
def save_draft(user, *, path: str, form_key: str, data: dict) -> FormDraft:
    """Keep (or replace) the user's draft of one form on one page."""
    path, form_key, data = clean_draft(path, form_key, data)
    draft, _ = FormDraft.objects.update_or_create(
        user=user,
        path=path,
        form_key=form_key,
        defaults={"data": data, "saved_at": timezone.now()},
    )
    return draft


@transaction.atomic
def delete_drafts(user, *, path: str, form_key: str | None = None) -> int:
    """Delete the user's drafts of a page (or of one form on it)."""
    drafts = FormDraft.objects.filter(user=user, path=path)
    if form_key:
        drafts = drafts.filter(form_key=form_key)
    deleted, _ = drafts.delete()
    return deleted


@transaction.atomic
def delete_old_drafts(now=None) -> int:
    """Delete every draft saved more than DRAFT_KEEP_DAYS ago. Safe to run twice."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.DRAFT_KEEP_DAYS)
    deleted, _ = FormDraft.objects.filter(saved_at__lt=cutoff).delete()
    return deleted


def draft_waiting(request) -> bool:
    """Whether the page being served has a draft to offer back, from what the session
    remembers (no query)."""
    waiting = request.session.get(DRAFTS)
    return bool(
        waiting
        and waiting.get("user") == request.user.pk
        and request.path in waiting.get("paths", [])
    )


def _forget_waiting(request, path: str) -> None:
    waiting = request.session.get(DRAFTS)
    if waiting and path in waiting.get("paths", []):
        paths = [p for p in waiting["paths"] if p != path]
        if paths:
            request.session[DRAFTS] = {**waiting, "paths": paths}
        else:
            del request.session[DRAFTS]


# --- Views -----------------------------------------------------------------------------------


def _signed_out():
    return JsonResponse({"signed_in": False, "detail": "Sign in again."}, status=401)


def _status(request) -> JsonResponse:
    left, limit = seconds_left(request.session)
    return JsonResponse({"signed_in": True, "seconds_left": left, "limit": limit})


@not_activity
@require_GET
def session_status(request):
    """How long this session has left. Not activity: the dialog asks it on its own."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False, "seconds_left": 0})
    return _status(request)


@require_POST
def session_extend(request):
    """The user chose to stay signed in: that is activity (up to the absolute limit)."""
    if not request.user.is_authenticated:
        return _signed_out()
    record_activity(request.session, force=True)
    return _status(request)


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise DraftProblem("the body must be JSON") from error
    if not isinstance(body, dict):
        raise DraftProblem("the body must be a JSON object")
    return without_nul(body)  # what was typed, without the NUL bytes no one types


@not_activity
@require_http_methods(["GET", "POST"])
def drafts(request):
    """GET ?path=: the user's drafts of that page (404 if they have none).
    POST {path, form_key, data}: keep a draft (413 when larger than DRAFT_MAX_BYTES)."""
    if not request.user.is_authenticated:
        return _signed_out()
    if request.method == "GET":
        found = list(
            FormDraft.objects.filter(
                user=request.user, path=without_nul(request.GET.get("path", ""))
            )
            .order_by("form_key")
            .values("form_key", "data", "saved_at")
        )
        if not found:
            raise Http404("No draft")
        return JsonResponse({"drafts": found})
    length = request.headers.get("Content-Length") or "0"
    if not length.isdigit() or max(int(length), len(request.body)) > settings.DRAFT_MAX_BYTES:
        return JsonResponse({"detail": "The draft is too large to keep."}, status=413)
    try:
        body = _json_body(request)
        draft = save_draft(
            request.user,
            path=body.get("path"),
            form_key=body.get("form_key"),
            data=body.get("data"),
        )
    except DraftProblem as problem:
        return JsonResponse({"detail": str(problem)}, status=400)
    return JsonResponse({"saved_at": draft.saved_at}, status=201)


@not_activity
@require_POST
def drafts_delete(request):
    """{path, form_key?}: delete the user's drafts of a page (restored, or the form was
    submitted). Answers 204 whether or not there was one."""
    if not request.user.is_authenticated:
        return _signed_out()
    try:
        body = _json_body(request)
    except DraftProblem as problem:
        return JsonResponse({"detail": str(problem)}, status=400)
    path, form_key = body.get("path"), body.get("form_key")
    if not isinstance(path, str) or (form_key is not None and not isinstance(form_key, str)):
        return JsonResponse({"detail": "path (and form_key): strings"}, status=400)
    delete_drafts(request.user, path=path, form_key=form_key)
    if not form_key:
        _forget_waiting(request, path)
    return HttpResponse(status=204)
