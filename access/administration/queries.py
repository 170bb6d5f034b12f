"""Read-side helpers for the administration pages: lockouts and two-factor state.

An account is locked, as django-axes decides it (keyed on the username alone, SPEC §17),
when the failures recorded for that username within the cool-off time reach the failure
limit. `with_lockout` computes that for a whole page of users in the page's one query.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import IntegerField, Max, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone


def failure_limit() -> int:
    return int(settings.AXES_FAILURE_LIMIT)


def cool_off() -> timedelta:
    return get_cool_off() or timedelta(0)


def _recent_attempts(now: datetime):
    """The username's failures that still count, as axes counts them (attempt_time within
    the cool-off; one row per address and browser, summed)."""
    return AccessAttempt.objects.filter(
        username=OuterRef("username"), attempt_time__gte=now - cool_off()
    )


def with_lockout(users: QuerySet, now: datetime | None = None) -> QuerySet:
    """Annotate each user with `recent_failures` and `last_failure_at` (two correlated
    subqueries in the same SELECT: no query per row)."""
    now = now or timezone.now()
    recent = _recent_attempts(now).order_by().values("username")
    return users.annotate(
        recent_failures=Coalesce(
            Subquery(
                recent.annotate(total=Sum("failures_since_start")).values("total")[:1],
                output_field=IntegerField(),
            ),
            Value(0),
        ),
        last_failure_at=Subquery(recent.annotate(last=Max("attempt_time")).values("last")[:1]),
    )


def locked_filter(locked: bool = True) -> dict:
    """Keyword filter over `with_lockout` annotations: locked (or not locked) accounts."""
    if locked:
        return {"recent_failures__gte": failure_limit()}
    return {"recent_failures__lt": failure_limit()}


def is_locked(user) -> bool:
    """For a user from `with_lockout`."""
    return user.recent_failures >= failure_limit()


def locked_until(user) -> datetime | None:
    """When the lock ends at the latest (the last failure plus the cool-off), or None if the
    account is not locked. With failures from several addresses it may end a little sooner."""
    if not is_locked(user) or user.last_failure_at is None:
        return None
    return user.last_failure_at + cool_off()


def has_two_factor(user) -> bool:
    """Whether the user has a confirmed TOTP device (django-otp)."""
    from django_otp import devices_for_user

    return any(True for _ in devices_for_user(user, confirmed=True))
