"""Sign-in security in Chromium (SPEC M3, §17): an analyst signs in for the first time, is
made to set up two-factor authentication by typing the key shown on the page into an
"authenticator app" (here: a code computed from it), lands on the dashboard, looks at their
account, changes their password, and signs in again with a code. The lockout page too."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.models import UserGroup
from tests.access.factories import PASSWORD
from tests.support.two_factor import next_code

from .conftest import look_at, sign_out

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CODE_LABEL = "Code from your authenticator app"
NEW_PASSWORD = "marble harbour violet compass"


def app_code(key: str, offset: int = 0) -> str:
    """What an authenticator app given this key shows now."""
    totp = TOTP(b32decode(key + "=" * (-len(key) % 8)))
    totp.drift = offset
    return f"{totp.token():06d}"


def submit_password(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_an_analyst_sets_up_two_factor_and_signs_in_with_a_code(page, partnership, make_user):
    analyst = make_user(
        "Leicestershire County Council",
        UserGroup.ANALYST,
        username="analyst",
        first_name="Priya",
        last_name="Shah",
    )
    page.goto("/sign-in/")
    look_at(page, "two-factor-01-sign-in")
    submit_password(page, "analyst")

    # Held at set-up: the key is on the page, and every other page leads back here.
    page.get_by_role("heading", level=1, name="Set up two-factor authentication").wait_for()
    assert page.get_by_role("img", name=re.compile("QR code")).is_visible()
    look_at(page, "two-factor-02-set-up")
    key = page.locator("#secret-key code").inner_text().replace(" ", "")
    page.goto("/search/")
    page.get_by_role("heading", level=1, name="Set up two-factor authentication").wait_for()
    page.goto("/dashboard/")
    page.get_by_role("heading", level=1, name="Set up two-factor authentication").wait_for()

    page.get_by_label(CODE_LABEL).fill(app_code(key, offset=7))
    page.get_by_role("button", name="Set up two-factor authentication").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    look_at(page, "two-factor-03-set-up-wrong-code")

    page.get_by_label(CODE_LABEL).fill(app_code(key))
    page.get_by_role("button", name="Set up two-factor authentication").click()
    page.get_by_role("heading", level=1, name="Dashboard").wait_for()
    assert page.get_by_text("Two-factor authentication is set up.").is_visible()
    look_at(page, "two-factor-04-dashboard")

    page.goto("/account/")
    page.get_by_role("heading", level=1, name="Your account").wait_for()
    assert page.get_by_text("This device").is_visible()
    assert page.get_by_text("Set up", exact=True).is_visible()
    look_at(page, "two-factor-05-account")

    page.get_by_role("link", name="Change your password").click()
    page.get_by_role("heading", level=1, name="Change your password").wait_for()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("password1234")
    page.get_by_label("Confirm new password").fill("password1234")
    page.get_by_role("button", name="Change password").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    assert page.get_by_role("link", name="This password is too common.").is_visible()
    look_at(page, "two-factor-06-password-too-common")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    page.get_by_role("heading", level=1, name="Your account").wait_for()
    assert page.get_by_text("Your password has been changed.").is_visible()

    sign_out(page)
    submit_password(page, "analyst", NEW_PASSWORD)
    page.get_by_role("heading", level=1, name="Enter your two-factor code").wait_for()
    look_at(page, "two-factor-07-code")
    device = TOTPDevice.objects.get(user=analyst)
    page.get_by_label(CODE_LABEL).fill(next_code(device))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", level=1, name="Dashboard").wait_for()


def test_five_wrong_passwords_show_the_lockout(page, partnership, make_user):
    make_user("Blaby District Council", UserGroup.OPERATIONAL, username="officer")
    for _ in range(5):
        submit_password(page, "officer", "not-the-right-password")
    page.get_by_role("heading", name="There is a problem").wait_for()
    assert page.get_by_text("This account is locked for 10 minutes").is_visible()
    look_at(page, "two-factor-08-locked")
