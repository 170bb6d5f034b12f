"""Signing in (SPEC M3, T4, §17): the lockout after 5 failures for 10 minutes, keyed on the
account; why a right password is refused (suspended partner, disabled account) and that only
a right password learns it; the notice a time-out leaves; no-store on signed-in pages; API
tokens of users who may not use the system now."""

import datetime
import html
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from access.administration.services import suspend_organisation
from access.models import Organisation, UserGroup
from access.signin import SIGN_IN_NOTICE
from audit.models import AuditEvent
from tests.access.factories import PASSWORD

WRONG = "not-the-password-at-all"
GENERIC = "Enter a correct username and password. Both are case-sensitive."
LOCKED = "This account is locked for 10 minutes after 5 failed sign-in attempts"


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post(reverse("sign-in"), {"username": username, "password": password}, **extra)


def text(response) -> str:
    return html.unescape(response.content.decode())


def locked(response) -> bool:
    return response.status_code == 200 and LOCKED in text(response)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def events(event_type, **filters):
    return AuditEvent.objects.filter(event_type=event_type, **filters)


@pytest.fixture
def officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL, username="blaby.officer")


# --- Lockout -------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_for_ten_minutes(client, officer):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(4):
            response = sign_in(client, officer.username, WRONG)
            assert response.status_code == 200
            assert GENERIC in text(response)
        fifth = sign_in(client, officer.username, WRONG)
        assert locked(fifth)
        assert "ask your organisation's administrator to unlock it" in text(fifth)
        assert GENERIC not in text(fifth)

        right_while_locked = sign_in(client, officer.username)
        assert locked(right_while_locked)
        assert not signed_in(client)

        clock.shift(datetime.timedelta(minutes=9, seconds=58))
        assert locked(sign_in(client, officer.username))
        assert not signed_in(client)

        clock.shift(datetime.timedelta(seconds=3))
        response = sign_in(client, officer.username)
        assert response.status_code == 302
        assert signed_in(client)


def test_a_lockout_is_logged_once_against_the_accounts_organisation(client, officer):
    for _ in range(5):
        sign_in(client, officer.username, WRONG)
    for _ in range(3):  # refused while locked: failures logged, no second lockout
        sign_in(client, officer.username)

    locked = events(AuditEvent.Type.ACCOUNT_LOCKED).get()
    assert locked.organisation_id == officer.organisation_id
    assert (locked.target_type, locked.target_id) == ("user", str(officer.pk))
    assert locked.actor_label == officer.username
    assert locked.ip_address == "127.0.0.1"
    assert locked.outcome == AuditEvent.Outcome.FAILURE
    assert locked.details["failures"] == 5
    failures = events(AuditEvent.Type.SIGN_IN_FAILED, actor_label=officer.username)
    assert failures.count() == 8
    assert failures.filter(details__while_locked=True).count() == 3


def test_another_account_from_the_same_address_is_not_locked(client, officer, make_user):
    colleague = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    for _ in range(5):
        sign_in(client, officer.username, WRONG, REMOTE_ADDR="10.1.2.3")
    assert locked(sign_in(client, officer.username, REMOTE_ADDR="10.1.2.3"))

    response = sign_in(client, colleague.username, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(colleague.pk)


def test_the_lock_follows_the_account_from_any_address(client, officer):
    for number in range(5):
        sign_in(client, officer.username, WRONG, REMOTE_ADDR=f"10.0.0.{number + 1}")
    assert locked(sign_in(client, officer.username, REMOTE_ADDR="192.0.2.7"))
    assert not signed_in(client)


def test_a_right_password_clears_earlier_failures(client, officer):
    for _ in range(4):
        sign_in(client, officer.username, WRONG)
    assert sign_in(client, officer.username).status_code == 302
    client.logout()
    for _ in range(4):
        assert sign_in(client, officer.username, WRONG).status_code == 200
    assert sign_in(client, officer.username).status_code == 302


def test_the_lockout_page_stands_alone_when_there_is_no_sign_in_page_to_keep(rf, db):
    from access.views import locked_out

    request = rf.post(reverse("sign-in"))
    response = locked_out(request, None, {"username": "blaby.officer", "password": WRONG})
    assert LOCKED in text(response)
    assert 'value="blaby.officer"' in response.content.decode()
    assert WRONG not in response.content.decode()


def test_a_failed_sign_in_to_a_known_account_is_logged_against_its_organisation(client, officer):
    sign_in(client, officer.username, WRONG)
    sign_in(client, "nobody.here", WRONG)

    known = events(AuditEvent.Type.SIGN_IN_FAILED, actor_label=officer.username).get()
    assert known.organisation_id == officer.organisation_id
    assert (known.target_type, known.target_id) == ("user", str(officer.pk))
    assert known.actor_id is None
    assert WRONG not in str(known.details)
    unknown = events(AuditEvent.Type.SIGN_IN_FAILED, actor_label="nobody.here").get()
    assert unknown.organisation_id is None
    assert unknown.target_id == ""


def test_an_unknown_username_is_locked_alike(client, db):
    """Locking only real accounts would tell a guesser which usernames exist."""
    for _ in range(5):
        response = sign_in(client, "no.such.person", WRONG)
    assert locked(response)


# --- Refused sign-ins: suspended partners, disabled accounts (T4) ------------------------------


@pytest.fixture
def host(make_user):
    return make_user(
        "Leicestershire Police",
        UserGroup.ADMINISTRATOR,
        username="host.admin",
        manages_all_organisations=True,
    )


def suspend(organisation, host, *, starts=None, days=20, reason="Breach under investigation"):
    return suspend_organisation(
        organisation,
        by=host,
        starts=starts,
        ends=(starts or timezone.now()) + datetime.timedelta(days=days),
        reason=reason,
    )


def test_a_suspended_partners_user_with_the_right_password_is_told_why(client, officer, host):
    organisation = suspend(officer.organisation, host)
    response = sign_in(client, officer.username)

    assert response.status_code == 200
    assert not signed_in(client)
    page = text(response)
    start = timezone.localtime(organisation.suspended_from).strftime("%-d %b %Y %H:%M")
    end = timezone.localtime(organisation.suspended_until).strftime("%-d %b %Y %H:%M")
    assert (
        f"Your organisation's access is suspended from {start} until {end}: "
        "Breach under investigation"
    ) in page
    assert "govuk-error-summary" in page
    refused = events(AuditEvent.Type.SIGN_IN_REFUSED).get()
    assert refused.actor_id == officer.pk
    assert refused.organisation_id == officer.organisation_id
    assert refused.outcome == AuditEvent.Outcome.DENIED
    assert refused.details == {"reason": "suspended"}


def test_a_wrong_password_learns_nothing_of_the_suspension(client, officer, host):
    suspend(officer.organisation, host)
    response = sign_in(client, officer.username, WRONG)

    page = text(response)
    assert GENERIC in page
    assert "suspended" not in page
    assert "Breach under investigation" not in page
    assert not events(AuditEvent.Type.SIGN_IN_REFUSED).exists()


def test_a_suspension_dated_ahead_does_not_stop_sign_in_yet(client, officer, host):
    suspend(officer.organisation, host, starts=timezone.now() + datetime.timedelta(days=2))
    assert sign_in(client, officer.username).status_code == 302
    assert signed_in(client)


def test_a_disabled_account_with_the_right_password_is_told_to_ask_its_administrator(
    client, officer
):
    type(officer).objects.filter(pk=officer.pk).update(is_active=False)
    response = sign_in(client, officer.username)
    assert not signed_in(client)
    assert "This account is not enabled. Ask your organisation's administrator." in text(response)
    assert events(AuditEvent.Type.SIGN_IN_REFUSED).get().details == {"reason": "disabled"}

    wrong = sign_in(client, officer.username, WRONG)
    assert "not enabled" not in text(wrong)
    assert GENERIC in text(wrong)


def test_a_user_of_an_organisation_that_left_is_told_so(client, officer):
    Organisation.objects.filter(pk=officer.organisation_id).update(is_active=False)
    response = sign_in(client, officer.username)
    assert not signed_in(client)
    assert "Your organisation no longer has access to this service" in text(response)
    assert events(AuditEvent.Type.SIGN_IN_REFUSED).get().details == {
        "reason": "organisation_inactive"
    }


# --- The sign-in page ----------------------------------------------------------------------------


def test_a_notice_left_in_the_session_is_shown_once(client, db):
    session = client.session
    session[SIGN_IN_NOTICE] = {
        "title": "You have been signed out",
        "text": "For your security, you are signed out after 30 minutes without activity.",
    }
    session.save()

    first = client.get(reverse("sign-in"))
    assert "You have been signed out" in text(first)
    assert "after 30 minutes without activity" in text(first)
    assert "govuk-notification-banner" in text(first)
    again = client.get(reverse("sign-in"))
    assert "You have been signed out" not in text(again)


def test_the_sign_in_page_is_not_stored(client, db):
    response = client.get(reverse("sign-in"))
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("name", ["sign-in", "account", "password-change", "two-factor-setup"])
def test_signed_in_pages_of_the_account_are_not_stored(client, officer, name):
    client.force_login(officer)
    response = client.get(reverse(name))
    assert response.status_code in (200, 302)
    assert "no-store" in response["Cache-Control"]


@pytest.mark.password_only
def test_the_two_factor_step_is_not_stored(client, make_user):
    client.force_login(make_user("Blaby District Council", UserGroup.ANALYST))
    response = client.get(reverse("two-factor-setup"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


# --- API tokens (T4: a suspended partner cannot use the API) -------------------------------------

INCIDENTS_API = reverse("api:incident-list")


def issue_token(username: str) -> str:
    out = StringIO()
    call_command("issue_api_token", username, stdout=out)
    return out.getvalue().strip()


def test_a_token_works_while_its_user_may_use_the_system(client, officer):
    token = issue_token(officer.username)
    response = client.get(INCIDENTS_API, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200


def test_a_suspended_partners_token_gets_401_saying_why(client, officer, host):
    token = issue_token(officer.username)
    suspend(officer.organisation, host, reason="Data sharing agreement breached")

    response = client.get(INCIDENTS_API, HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    detail = response.json()["detail"]
    assert detail.startswith("Your organisation's access is suspended from ")
    assert detail.endswith(": Data sharing agreement breached")


def test_a_disabled_users_token_gets_401(client, officer):
    token = issue_token(officer.username)
    type(officer).objects.filter(pk=officer.pk).update(is_active=False)
    response = client.get(INCIDENTS_API, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 401
    assert "not enabled" in response.json()["detail"]


def test_a_locked_accounts_token_gets_401_until_the_lock_ends(client, officer):
    token = issue_token(officer.username)
    for _ in range(5):
        sign_in(client, officer.username, WRONG)

    response = client.get(INCIDENTS_API, HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 401
    assert "locked" in response.json()["detail"].lower()
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        assert client.get(INCIDENTS_API, HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


def test_signing_out_everywhere_ends_the_api_tokens_too(client, officer):
    token = issue_token(officer.username)
    client.force_login(officer)
    assert client.post(reverse("sign-out-everywhere")).status_code == 302

    response = client.get(INCIDENTS_API, HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 401
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.SIGNED_OUT_EVERYWHERE)
    assert event.details["api_tokens_revoked"] == 1


def test_a_wrong_token_and_no_credentials_get_401(client, db):
    assert client.get(INCIDENTS_API, HTTP_AUTHORIZATION="Token nonsense").status_code == 401
    assert client.get(INCIDENTS_API).status_code == 401
