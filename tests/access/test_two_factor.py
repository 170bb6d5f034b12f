"""Two-factor authentication (SPEC M3, §17): administrators and analysts are held at the
code step after their password, on every page and the API, until they enter a code their
authenticator app shows; a code is accepted once; wrong codes are refused, logged and slowed
down; set-up by QR code or typed key; optional for others, required for all by a setting.

These tests sign in with a password, or mark themselves `password_only` so that
`force_login` leaves the session without a second factor (tests/conftest.py).
"""

import datetime
import html
import re
from base64 import b32decode
from urllib.parse import quote

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.models import SignedInSession, UserGroup
from audit.models import AuditEvent
from tests.access.factories import PASSWORD
from tests.support.two_factor import code_at, current_step, give_totp_device, next_code

TWO_FACTOR = reverse("two-factor")
SET_UP = reverse("two-factor-setup")
INCIDENTS_API = reverse("api:incident-list")
HELD_AT_CODE = {"detail": "Two-factor authentication required."}
NEEDS_IT = [UserGroup.ANALYST, UserGroup.ADMINISTRATOR]
OPTIONAL = [UserGroup.BASIC, UserGroup.OPERATIONAL, UserGroup.ENHANCED]


def sign_in(client, user, password=PASSWORD):
    response = client.post(reverse("sign-in"), {"username": user.username, "password": password})
    assert response.status_code == 302, "the password was refused"
    return response


def enter_code(client, code, url=TWO_FACTOR, **data):
    return client.post(url, {"otp_token": code, **data})


def text(response) -> str:
    return html.unescape(response.content.decode())


def wrong_code(device) -> str:
    """A code no step in the device's window shows."""
    window = {code_at(device, current_step(device) + o) for o in range(-2, 3)}
    return next(f"{n:06d}" for n in range(123456, 999999, 7919) if f"{n:06d}" not in window)


def pages(scenario, group) -> list[str]:
    """A sample of every kind of page: dashboard, incidents, one incident, reports, search,
    administration, the account."""
    return [
        reverse("dashboard"),
        reverse("home"),
        reverse("incident-detail", args=[scenario.incidents["in_area"].urn]),
        reverse("report"),
        reverse("search"),
        reverse("administration"),
        reverse("account"),
        reverse("password-change"),
    ]


def held_at(response, step_url: str, next_url: str | None = None) -> bool:
    if response.status_code != 302:
        return False
    expected = step_url + (f"?next={quote(next_url, safe='/')}" if next_url else "")
    return response.url == expected


# --- Held at the code step -----------------------------------------------------------------------


@pytest.mark.parametrize("group", NEEDS_IT)
def test_every_page_waits_for_the_code_after_the_password(client, scenario, group):
    user = scenario.user(group)
    device = give_totp_device(user)
    response = sign_in(client, user)
    assert response.url == f"{TWO_FACTOR}?next={quote(reverse('dashboard'), safe='/')}"

    for url in pages(scenario, group):
        assert held_at(client.get(url), TWO_FACTOR, url), url
    assert held_at(client.post(reverse("search"), {"text": "noise"}), TWO_FACTOR)
    api = client.get(INCIDENTS_API)
    assert (api.status_code, api.json()) == (403, HELD_AT_CODE)
    assert client.post(INCIDENTS_API, {}, content_type="application/json").status_code == 403

    assert client.get(TWO_FACTOR).status_code == 200
    accepted = enter_code(client, next_code(device), next=reverse("search"))
    assert accepted.status_code == 302
    assert accepted.url == reverse("search")

    for url in pages(scenario, group):
        response = client.get(url)
        assert not held_at(response, TWO_FACTOR, url), url
        assert response.status_code in (200, 302, 404), url
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(reverse("account")).status_code == 200
    assert client.get(INCIDENTS_API).status_code == 200
    assert client.get(reverse("report")).url.startswith(reverse("report-purpose"))


@pytest.mark.password_only
@pytest.mark.parametrize("group", NEEDS_IT)
def test_a_password_only_session_is_held_whatever_made_it(client, scenario, group):
    user = scenario.user(group)
    give_totp_device(user)
    client.force_login(user)
    for url in pages(scenario, group):
        assert held_at(client.get(url), TWO_FACTOR, url), url
    assert client.get(INCIDENTS_API).status_code == 403


@pytest.mark.password_only
def test_signing_out_and_static_files_stay_reachable(client, scenario):
    user = scenario.user(UserGroup.ANALYST)
    give_totp_device(user)
    client.force_login(user)
    assert client.get("/static/css/app.css").status_code in (200, 404)
    assert not held_at(client.get("/static/css/app.css"), TWO_FACTOR)
    response = client.post(reverse("sign-out"))
    assert response.status_code == 302
    assert response.url == reverse("sign-in")
    assert "_auth_user_id" not in client.session


def test_a_code_is_accepted_once(scenario):
    user = scenario.user(UserGroup.ANALYST)
    device = give_totp_device(user)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        code = next_code(device, wait=False)
        first, second = Client(), Client()
        sign_in(first, user)
        sign_in(second, user)
        assert enter_code(first, code).status_code == 302
        assert first.get(reverse("dashboard")).status_code == 200

        again = enter_code(second, code)  # within the same 30 seconds
        assert again.status_code == 200
        assert "has already been used" in text(again)
        assert held_at(second.get(reverse("dashboard")), TWO_FACTOR, reverse("dashboard"))
        refused = AuditEvent.objects.get(event_type=AuditEvent.Type.TWO_FACTOR_FAILED)
        assert refused.actor_id == user.pk

        clock.shift(datetime.timedelta(seconds=device.step))
        assert enter_code(second, next_code(device, wait=False)).status_code == 302
        assert second.get(reverse("dashboard")).status_code == 200


def test_a_wrong_code_is_refused_on_the_field_and_logged(client, scenario):
    user = scenario.user(UserGroup.ADMINISTRATOR)
    device = give_totp_device(user)
    sign_in(client, user)

    response = enter_code(client, wrong_code(device))

    assert response.status_code == 200
    page = text(response)
    assert "govuk-error-summary" in page
    assert 'href="#id_otp_token"' in page
    assert "govuk-input--error" in page
    failed = AuditEvent.objects.get(event_type=AuditEvent.Type.TWO_FACTOR_FAILED)
    assert (failed.actor_id, failed.organisation_id) == (user.pk, user.organisation_id)
    assert failed.outcome == AuditEvent.Outcome.FAILURE
    assert (failed.target_type, failed.target_id) == ("user", str(user.pk))
    assert failed.details == {"step": "sign-in", "throttled": False}
    assert held_at(client.get(reverse("home")), TWO_FACTOR, reverse("home"))


@pytest.mark.parametrize("bad", ["", "12345", "abcdef", "1234567"])
def test_a_code_that_is_not_six_digits_is_refused_on_the_field(client, scenario, bad):
    user = scenario.user(UserGroup.ANALYST)
    give_totp_device(user)
    sign_in(client, user)
    response = enter_code(client, bad)
    assert response.status_code == 200
    assert "Enter the 6-digit code from your authenticator app" in text(response)
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.TWO_FACTOR_FAILED).exists()


def test_wrong_codes_slow_down_the_next_try(client, scenario):
    user = scenario.user(UserGroup.ANALYST)
    device = give_totp_device(user)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, user)
        enter_code(client, wrong_code(device))
        enter_code(client, wrong_code(device))  # within a second of the first: not tried

        too_soon = enter_code(client, next_code(device, wait=False))
        assert too_soon.status_code == 200
        assert "too many wrong codes" in text(too_soon)
        assert AuditEvent.objects.filter(
            event_type=AuditEvent.Type.TWO_FACTOR_FAILED, details__throttled=True
        ).exists()

        clock.shift(datetime.timedelta(seconds=3))
        assert enter_code(client, next_code(device, wait=False)).status_code == 302


def test_the_code_renews_the_session_key_and_the_registry_follows(client, scenario):
    user = scenario.user(UserGroup.ANALYST)
    device = give_totp_device(user)
    sign_in(client, user)
    before = client.session.session_key
    enter_code(client, next_code(device))
    after = client.session.session_key
    assert after != before
    assert list(
        SignedInSession.objects.filter(user=user).values_list("session_key", flat=True)
    ) == [after]
    verified = AuditEvent.objects.get(event_type=AuditEvent.Type.TWO_FACTOR_VERIFIED)
    assert verified.actor_id == user.pk


def test_a_token_request_is_not_held(client, scenario):
    from io import StringIO

    from django.core.management import call_command

    user = scenario.user(UserGroup.ADMINISTRATOR)
    give_totp_device(user)
    out = StringIO()
    call_command("issue_api_token", user.username, stdout=out)
    sign_in(client, user)  # a password-only browser session alongside

    response = client.get(INCIDENTS_API, HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    assert response.status_code == 200


# --- Optional for others, required for all by a setting ------------------------------------------


@pytest.mark.parametrize("group", OPTIONAL)
def test_others_without_an_app_are_not_asked(client, scenario, group):
    user = scenario.user(group)
    response = sign_in(client, user)
    assert not response.url.startswith(TWO_FACTOR)
    assert not response.url.startswith(SET_UP)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("account")).status_code == 200


def test_others_who_set_it_up_are_asked_too(client, scenario):
    user = scenario.user(UserGroup.OPERATIONAL)
    device = give_totp_device(user)
    sign_in(client, user)
    assert held_at(client.get(reverse("home")), TWO_FACTOR, reverse("home"))
    enter_code(client, next_code(device))
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("group", OPTIONAL)
def test_the_deployment_can_require_it_of_everyone(client, scenario, settings, group):
    settings.TWO_FACTOR_REQUIRED_FOR_ALL = True
    user = scenario.user(group)
    response = sign_in(client, user)
    assert response.url.startswith(SET_UP)
    assert held_at(client.get(reverse("home")), SET_UP, reverse("home"))
    api = client.get(INCIDENTS_API)
    assert api.status_code == 403
    assert api.json()["detail"].startswith("Two-factor authentication required")


# --- Setting up ----------------------------------------------------------------------------------


def key_on_page(response) -> str:
    match = re.search(r'id="secret-key">.*?<code>([A-Z2-7 ]+)</code>', text(response), re.S)
    assert match, "the key to type is on the page"
    return match.group(1).replace(" ", "")


def code_for_key(key: str, offset: int = 0) -> str:
    totp = TOTP(b32decode(key + "=" * (-len(key) % 8)))
    totp.drift = offset
    return f"{totp.token():06d}"


@pytest.mark.parametrize("group", NEEDS_IT)
def test_an_analyst_or_administrator_without_an_app_sets_one_up_first(client, scenario, group):
    user = scenario.user(group)
    response = sign_in(client, user)
    assert response.url == f"{SET_UP}?next={quote(reverse('dashboard'), safe='/')}"
    for url in pages(scenario, group):
        assert held_at(client.get(url), SET_UP, url), url
    assert client.get(TWO_FACTOR).status_code == 302  # no device to ask a code of

    page = client.get(SET_UP)
    assert page.status_code == 200
    assert '<svg role="img" aria-label="QR code' in text(page)
    key = key_on_page(page)
    assert key == key_on_page(client.get(SET_UP))  # the same secret until confirmed

    done = enter_code(client, code_for_key(key), url=SET_UP, next=reverse("home"))

    assert done.status_code == 302
    assert done.url == reverse("home")
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed
    enrolled = AuditEvent.objects.get(event_type=AuditEvent.Type.TWO_FACTOR_ENROLLED)
    assert (enrolled.actor_id, enrolled.organisation_id) == (user.pk, user.organisation_id)
    for url in pages(scenario, group):
        assert not held_at(client.get(url), SET_UP, url), url
    assert client.get(reverse("dashboard")).status_code == 200


def test_the_code_that_confirmed_the_set_up_cannot_sign_in_again(scenario):
    user = scenario.user(UserGroup.ANALYST)
    with time_machine.travel(timezone.now(), tick=False):
        first = Client()
        sign_in(first, user)
        key = key_on_page(first.get(SET_UP))
        code = code_for_key(key)
        assert enter_code(first, code, url=SET_UP).status_code == 302

        second = Client()
        assert sign_in(second, user).url.startswith(TWO_FACTOR)
        assert enter_code(second, code).status_code == 200  # refused: already used


def test_a_wrong_code_does_not_set_it_up(client, scenario):
    user = scenario.user(UserGroup.ANALYST)
    sign_in(client, user)
    key = key_on_page(client.get(SET_UP))
    response = enter_code(client, code_for_key(key, offset=5), url=SET_UP)
    assert response.status_code == 200
    assert "The code is not right" in text(response)
    assert key_on_page(response) == key
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.get(event_type=AuditEvent.Type.TWO_FACTOR_FAILED).details == {
        "step": "set-up"
    }


def test_an_app_cannot_be_replaced_without_a_code_from_the_current_one(client, scenario):
    user = scenario.user(UserGroup.ANALYST)
    old = give_totp_device(user)
    sign_in(client, user)
    response = client.get(SET_UP)
    assert response.status_code == 302
    assert response.url.startswith(TWO_FACTOR)
    assert enter_code(client, code_for_key("A" * 32), url=SET_UP).status_code == 302
    assert list(TOTPDevice.objects.filter(user=user)) == [old]


def test_a_verified_user_can_move_to_a_new_phone(client, scenario):
    user = scenario.user(UserGroup.ANALYST)
    old = give_totp_device(user)
    sign_in(client, user)
    enter_code(client, next_code(old))
    page = client.get(SET_UP)
    assert "This replaces the app you set up before" in text(page)
    response = enter_code(client, code_for_key(key_on_page(page)), url=SET_UP)
    assert response.url == reverse("account")
    new = TOTPDevice.objects.get(user=user)
    assert new.pk != old.pk


@pytest.mark.parametrize("group", OPTIONAL)
def test_others_can_set_it_up_from_their_account(client, scenario, group):
    user = scenario.user(group)
    client.force_login(user)
    account = text(client.get(reverse("account")))
    assert "Not set up" in account
    assert f'href="{SET_UP}"' in account
    key = key_on_page(client.get(SET_UP))
    assert enter_code(client, code_for_key(key), url=SET_UP).url == reverse("account")
    assert "Set up on a new phone" in text(client.get(reverse("account")))

    again = Client()
    assert sign_in(again, user).url.startswith(TWO_FACTOR)


def test_a_device_removed_by_an_administrator_means_setting_up_again(client, scenario):
    user = scenario.user(UserGroup.ANALYST)
    give_totp_device(user)
    sign_in(client, user)
    TOTPDevice.objects.filter(user=user).delete()
    response = client.get(TWO_FACTOR)
    assert response.status_code == 302
    assert response.url.startswith(SET_UP)
