"""Shared by the audit review and register tests (tests/audit/test_audit_review.py,
test_registers.py): signing a test client in as a user who has passed the second factor,
and the groups every page is checked for."""

from __future__ import annotations

from django_otp import DEVICE_ID_SESSION_KEY

from access.models import UserGroup
from tests.support.two_factor import give_totp_device

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
    """Sign `client` in as `user` with a verified second factor (administrators and analysts
    must have one, SPEC §17), as after a code was accepted at sign-in."""
    device = give_totp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
