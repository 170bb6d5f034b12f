"""The administrator's journey of issue #6, in Chromium through the real server.

An administrator creates a user, confirms their code of connection and training, enables
them and sets their password; the user signs in, is made to change it, and signs in again
with the new one; the administrator then reads that user's audit trail.
"""

import re

import pytest

from access.models import User, UserGroup
from audit.models import AuditEvent

from .conftest import look_at, sign_in, sign_out

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SET_BY_ADMINISTRATOR = "Temporary-orange-kettle-42"
CHOSEN_BY_USER = "My-own-quiet-lantern-77"


def test_an_administrator_enables_a_user_who_then_chooses_their_own_password(page, make_user):
    make_user("Blaby District Council", UserGroup.ADMINISTRATOR, username="admin")

    sign_in(page, "admin")
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("heading", level=1, name="Administration").wait_for()
    look_at(page, "80-administration")

    # Create the user: disabled until their code of connection is confirmed.
    page.get_by_role("link", name="Users").first.click()
    page.get_by_role("button", name="Add a user").click()
    page.get_by_label("Username").fill("r.patel")
    page.get_by_label("First name").fill("Riya")
    page.get_by_label("Last name").fill("Patel")
    page.get_by_label("Email address").fill("r.patel@example.invalid")
    page.get_by_label("Operational user").check()
    page.get_by_label("Level 1").check()
    page.get_by_role("button", name="Create user").click()
    page.get_by_role("heading", level=1, name="Riya Patel").wait_for()
    assert page.get_by_text("Disabled").first.is_visible()
    look_at(page, "81-administration-user-created")
    created = User.objects.get(username="r.patel")
    assert not created.is_active

    # Enabling without confirming the code of connection is refused, field by field.
    page.get_by_role("link", name="Enable user").click()
    page.get_by_role("button", name="Enable user").click()
    page.get_by_role("alert").wait_for()
    assert page.get_by_role("link", name=re.compile("code of connection")).is_visible()
    look_at(page, "82-administration-enable-refused")
    page.get_by_label("The user has signed the code of connection").check()
    page.get_by_label("Level 2").check()
    page.get_by_role("button", name="Enable user").click()

    # A user with no password yet is taken to set one.
    page.get_by_label("New password", exact=True).wait_for()
    look_at(page, "83-administration-set-password")
    page.get_by_label("New password", exact=True).fill(SET_BY_ADMINISTRATOR)
    page.get_by_label("Type the new password again").fill(SET_BY_ADMINISTRATOR)
    page.get_by_role("button", name="Set password").click()
    page.get_by_role("heading", level=1, name="Riya Patel").wait_for()
    created.refresh_from_db()
    assert created.is_active and created.must_change_password
    assert created.code_of_connection_confirmed_by.username == "admin"
    assert created.training_level == 2
    sign_out(page)

    # The user signs in with the administrator's password and must choose their own first.
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("r.patel")
    page.get_by_label("Password").fill(SET_BY_ADMINISTRATOR)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", level=1, name="Choose a new password").wait_for()
    look_at(page, "84-user-must-change-password")
    page.goto("/")  # every other page sends them back
    page.get_by_role("heading", level=1, name="Choose a new password").wait_for()
    page.get_by_label("Current password").fill(SET_BY_ADMINISTRATOR)
    page.get_by_label("New password", exact=True).fill("password1234")
    page.get_by_label("Confirm new password").fill("password1234")
    page.get_by_role("button", name="Change password").click()
    page.get_by_role("alert").wait_for()  # a common password is refused on the field
    look_at(page, "85-user-password-refused")
    page.get_by_label("Current password").fill(SET_BY_ADMINISTRATOR)
    page.get_by_label("New password", exact=True).fill(CHOSEN_BY_USER)
    page.get_by_label("Confirm new password").fill(CHOSEN_BY_USER)
    page.get_by_role("button", name="Change password").click()
    # On to the page they asked for before being held at the password step.
    page.get_by_role("heading", level=1, name="Incidents").wait_for()
    sign_out(page)

    # Only the new password works now.
    page.get_by_label("Username").fill("r.patel")
    page.get_by_label("Password").fill(SET_BY_ADMINISTRATOR)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").wait_for()
    sign_in(page, "r.patel", CHOSEN_BY_USER)
    sign_out(page)

    # The administrator reads the user's trail: created, enabled, password set, sign-ins.
    sign_in(page, "admin")
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Users").first.click()
    page.get_by_role("link", name="Riya Patel").click()
    page.get_by_role("link", name=re.compile("View audit trail")).click()
    page.get_by_role("heading", level=1, name=re.compile("Audit trail for Riya Patel")).wait_for()
    trail = page.locator("main").inner_text()
    for event in (
        AuditEvent.Type.PASSWORD_CHANGED,
        AuditEvent.Type.SIGNED_IN,
        AuditEvent.Type.SIGN_IN_FAILED,
    ):
        assert event.label in trail, event.label
    look_at(page, "86-administration-audit-trail")
    reviewed = AuditEvent.objects.filter(event_type=AuditEvent.Type.AUDIT_REVIEWED).first()
    assert reviewed.actor.username == "admin"
    assert reviewed.target_id == str(created.pk)
