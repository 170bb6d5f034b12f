"""What the register pages share: who may keep the registers, and period filters."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.utils.http import urlencode

from access import policy

from ..forms import PeriodForm

PAGE_SIZE = 50


def register_page(view):
    """A page of the disclosure or breach register: administrators only (404 otherwise)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not policy.may_keep_registers(request.user):
            policy.refuse_page(request, kwargs, "keep registers")
        return view(request, *args, **kwargs)

    return wrapper


def period_form(request, defaults: dict | None = None) -> PeriodForm:
    """The period from the query string (dates only), or `defaults` when none is given."""
    data = {name: request.GET[name] for name in ("date_from", "date_to") if name in request.GET}
    return PeriodForm(data or defaults or {})


def paged(request, queryset, form: PeriodForm):
    """A page of `queryset` and the query string that keeps the period on other pages."""
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page") or 1)
    kept = {name: request.GET[name] for name in ("date_from", "date_to") if request.GET.get(name)}
    if form.errors:
        kept = {}
    return page, urlencode(kept)
