"""What every page of the reporting module shares: who may use it and the stated purpose.

Before a user's first report of a session they state why (S2, V2); the
purpose is kept in the session, shown on every module page, attached to every audit event
the module writes, and can be changed at any time.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from access import policy

SESSION_KEY = "reporting_purpose"


def stated_purpose(request) -> str:
    """The purpose the user stated for this session's reports ("" if none yet)."""
    return request.session.get(SESSION_KEY, "")


def remember_purpose(request, purpose: str) -> None:
    request.session[SESSION_KEY] = purpose


def reporting_page(view):
    """A page of the ad-hoc reporting module: 404 unless the user may use it (analysts and
    administrators), and a purpose must have been stated this session. The view receives the
    purpose as `purpose`."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not policy.may_use_reporting(request.user):
            policy.refuse_page(request, kwargs, "report")
        purpose = stated_purpose(request)
        if not purpose:
            return redirect(f"{reverse('report-purpose')}?{urlencode({'next': request.path})}")
        return view(request, *args, purpose=purpose, **kwargs)

    return wrapper


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=False):
        return target
    return default
