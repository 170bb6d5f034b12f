"""Shared by the audit review and register tests (tests/audit/test_audit_review.py,
test_registers.py): signing a test client in as a user who has passed the second factor,
and the groups every page is checked for."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from access.models import UserGroup

BLABY = "Blaby District Council"
RUTLAND = "Rutland County Council"
HOST = "Leicestershire County Council"

# (label, group, deployment-wide administrator?)
GROUPS = [
    ("basic", UserGroup.BASIC, False),
    ("operational", UserGroup.OPERATIONAL, False),
    ("enhanced", UserGroup.ENHANCED, False),
    ("analyst", UserGroup.ANALYST, False),
    ("administrator", UserGroup.ADMINISTRATOR, False),
    ("deployment-wide administrator", UserGroup.ADMINISTRATOR, True),
]
GROUP_IDS = [label for label, _group, _all in GROUPS]


def make_group_user(make_user, organisation: str, group: str, everywhere: bool, **fields):
    return make_user(organisation, group, manages_all_organisations=everywhere, **fields)


def signed_in(client, user):
    """Sign `client` in as `user`; tests/conftest.py's force_login also passes the second
    factor for those who need one (administrators and analysts, SPEC §17)."""
    client.force_login(user)
    return client


def review(client, url=None, **data):
    """POST the filter form as the page does (every filter, blank when not chosen)."""
    today = timezone.localdate()
    form = {
        "user": "",
        "target_type": "",
        "target_id": "",
        "date_from": (today - datetime.timedelta(days=30)).isoformat(),
        "date_to": today.isoformat(),
        "outcome": "",
        **data,
    }
    return client.post(url or reverse("audit-events"), form)
