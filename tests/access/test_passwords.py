"""Passwords (SPEC M1, M3, §17): a password set by an administrator must be changed before
anything else; the user's own change at any time; at least 12 characters, not a common
password, not like their name; changing it ends their other sessions. And the account page,
where this starts, with signing out everywhere."""

import html

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access.administration.services import set_password
from access.models import SignedInSession, User, UserGroup
from access.signin import SIGN_IN_NOTICE
from audit.models import AuditEvent
from tests.access.factories import PASSWORD
from tests.access.scenario import GROUPS
from tests.support.two_factor import give_totp_device, next_code

CHANGE = reverse("password-change")
SET_BY_ADMINISTRATOR = "temporary-password-from-admin"
NEW = "heather kettle lantern orbit"


def text(response) -> str:
    return html.unescape(response.content.decode())


def sign_in(client, user, password=PASSWORD):
    response = client.post(reverse("sign-in"), {"username": user.username, "password": password})
    assert response.status_code == 302, "the password was refused"
    return response


def change(client, current, new=NEW, confirm=None, **extra):
    return client.post(
        CHANGE,
        {
            "current_password": current,
            "new_password": new,
            "confirm_password": new if confirm is None else confirm,
            **extra,
        },
    )


@pytest.fixture
def administrator(make_user):
    return make_user("Blaby District Council", UserGroup.ADMINISTRATOR, username="blaby.admin")


@pytest.fixture
def officer(make_user):
    return make_user(
        "Blaby District Council",
        UserGroup.OPERATIONAL,
        username="blaby.officer",
        first_name="Marjorie",
        last_name="Featherstonehaugh",
    )


@pytest.fixture
def reset_officer(officer, administrator):
    set_password(officer, by=administrator, password=SET_BY_ADMINISTRATOR)
    officer.refresh_from_db()
    return officer


# --- Forced change -------------------------------------------------------------------------------


def test_a_password_set_by_an_administrator_must_be_changed_before_anything_else(
    client, reset_officer, scenario
):
    response = sign_in(client, reset_officer, SET_BY_ADMINISTRATOR)
    assert response.url == f"{CHANGE}?next=/dashboard/"
    urls = [
        reverse("dashboard"),
        reverse("home"),
        reverse("incident-detail", args=[scenario.incidents["in_area"].urn]),
        reverse("search"),
        reverse("account"),
        reverse("two-factor-setup"),
    ]
    for url in urls:
        held = client.get(url)
        assert (held.status_code, held.url) == (302, f"{CHANGE}?next={url}"), url
    assert client.get("/no-such-page/").url == CHANGE  # not sent on to a 404 afterwards
    api = client.get(reverse("api:incident-list"))
    assert api.status_code == 403
    assert api.json() == {"detail": "Change your password before using the service."}

    page = client.get(CHANGE)
    assert page.status_code == 200
    assert "Choose a new password" in text(page)
    assert not page.context["navigation"]  # its links would only lead back here

    done = change(client, SET_BY_ADMINISTRATOR, next=reverse("home"))

    assert done.status_code == 302
    assert done.url == reverse("home")
    assert not User.objects.get(pk=reset_officer.pk).must_change_password
    for url in urls:
        assert client.get(url).status_code == 200, url
    changed = AuditEvent.objects.get(event_type=AuditEvent.Type.PASSWORD_CHANGED)
    assert (changed.actor_id, changed.organisation_id) == (
        reset_officer.pk,
        reset_officer.organisation_id,
    )
    assert (changed.target_type, changed.target_id) == ("user", str(reset_officer.pk))
    assert NEW not in str(changed.details) and SET_BY_ADMINISTRATOR not in str(changed.details)


def test_the_new_password_signs_in_and_the_old_one_no_longer_does(client, reset_officer):
    sign_in(client, reset_officer, SET_BY_ADMINISTRATOR)
    change(client, SET_BY_ADMINISTRATOR)
    client.post(reverse("sign-out"))

    refused = Client().post(
        reverse("sign-in"),
        {"username": reset_officer.username, "password": SET_BY_ADMINISTRATOR},
    )
    assert refused.status_code == 200
    fresh = Client()
    assert sign_in(fresh, reset_officer, NEW).url == reverse("dashboard")


def test_an_analyst_enters_their_code_before_changing_the_password(
    client, make_user, administrator
):
    analyst = make_user("Blaby District Council", UserGroup.ANALYST)
    device = give_totp_device(analyst)
    set_password(analyst, by=administrator, password=SET_BY_ADMINISTRATOR)

    response = sign_in(client, analyst, SET_BY_ADMINISTRATOR)
    assert response.url.startswith(reverse("two-factor"))
    assert client.get(CHANGE).url.startswith(reverse("two-factor"))

    after_code = client.post(reverse("two-factor"), {"otp_token": next_code(device)})
    assert after_code.url == f"{CHANGE}?next=/dashboard/"
    assert change(client, SET_BY_ADMINISTRATOR).url == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200


# --- Strength: field-level messages --------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short-one", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
        ("qwerty123456", "This password is too common."),
        ("marjoriefeatherstonehaugh", "The password is too similar to the"),
        ("938475610293847", "This password is entirely numeric."),
        (" " * 20, "at least 12 characters that are not spaces"),
        ("kettle        orb", "at least 12 characters that are not spaces"),
    ],
)
def test_weak_passwords_are_refused_on_the_field(client, reset_officer, new, message):
    sign_in(client, reset_officer, SET_BY_ADMINISTRATOR)
    response = change(client, SET_BY_ADMINISTRATOR, new=new)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["new_password"]
    assert any(message in error for error in errors["new_password"])
    page = text(response)
    assert 'href="#id_new_password"' in page  # the error summary links to the field
    assert User.objects.get(pk=reset_officer.pk).must_change_password


def test_a_long_password_of_64_characters_is_accepted(client, officer):
    client.force_login(officer)
    long_password = "correct horse battery staple " * 2 + "and a bit more"
    assert len(long_password) >= 64
    assert change(client, PASSWORD, new=long_password).status_code == 302
    assert User.objects.get(pk=officer.pk).check_password(long_password)


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field", "message"),
    [
        ("wrong-current-pass", NEW, NEW, "current_password", "Your current password is not right"),
        (PASSWORD, NEW, NEW + "x", "confirm_password", "The passwords you entered do not match"),
        (PASSWORD, PASSWORD, PASSWORD, "new_password", "must differ from your current one"),
        ("", NEW, NEW, "current_password", "Enter your current password"),
        (PASSWORD, "", "", "new_password", "Enter a new password"),
    ],
)
def test_mistakes_are_named_on_their_field(client, officer, current, new, confirm, field, message):
    client.force_login(officer)
    response = change(client, current, new=new, confirm=confirm)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert any(message in error for error in errors[field])
    assert User.objects.get(pk=officer.pk).check_password(PASSWORD)
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.PASSWORD_CHANGED).exists()


# --- Sessions ------------------------------------------------------------------------------------


def test_changing_the_password_ends_the_users_other_sessions_and_keeps_this_one(
    officer, make_user
):
    colleague = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    elsewhere, colleagues_session, here = Client(), Client(), Client()
    sign_in(elsewhere, officer)
    sign_in(colleagues_session, colleague)
    sign_in(here, officer)

    assert change(here, PASSWORD).status_code == 302

    assert here.get(reverse("home")).status_code == 200
    ended = elsewhere.get(reverse("home"))
    assert ended.status_code == 302
    assert ended.url.startswith(reverse("sign-in"))
    keys = list(SignedInSession.objects.filter(user=officer).values_list("session_key", flat=True))
    assert keys == [here.session.session_key]
    changed = AuditEvent.objects.get(event_type=AuditEvent.Type.PASSWORD_CHANGED)
    assert changed.details == {"other_sessions_ended": 1}
    assert colleagues_session.get(reverse("home")).status_code == 200


def test_a_second_submit_of_the_same_change_is_refused_not_applied_twice(client, officer):
    client.force_login(officer)
    assert change(client, PASSWORD).status_code == 302
    again = change(client, PASSWORD)
    assert again.status_code == 200
    assert "Your current password is not right" in text(again)
    assert AuditEvent.objects.filter(event_type=AuditEvent.Type.PASSWORD_CHANGED).count() == 1


# --- The account page ----------------------------------------------------------------------------


@pytest.mark.parametrize("group", GROUPS)
def test_every_page_links_to_the_account(client, scenario, group):
    client.force_login(scenario.user(group))
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("account")}"' in page


@pytest.mark.parametrize("group", GROUPS)
def test_every_group_sees_its_account(client, scenario, group):
    user = scenario.user(group)
    client.force_login(user)
    response = client.get(reverse("account"))
    assert response.status_code == 200
    page = text(response)
    for fact in (user.username, str(user.organisation), user.get_group_display()):
        assert fact in page
    assert f'href="{CHANGE}"' in page
    assert f'href="{reverse("two-factor-setup")}"' in page
    assert "This device" in page
    if group in (UserGroup.ANALYST, UserGroup.ADMINISTRATOR):
        assert "Required for your role" in page
        assert "Set up on a new phone" in page  # the test sign-in gave them an app
    else:
        assert "Not set up" in page
        assert "Required for your role" not in page


def test_the_account_page_changes_the_password_any_time(client, officer):
    client.force_login(officer)
    page = client.get(CHANGE)
    assert "Change your password" in text(page)
    assert page.context["navigation"]  # not held: the service navigation is there
    assert change(client, PASSWORD).url == reverse("account")
    assert "Your password has been changed." in text(client.get(reverse("account")))


def test_the_account_page_shows_the_previous_sign_in(officer):
    first, second = Client(), Client()
    sign_in(first, officer)
    assert "This is your first sign-in" in text(first.get(reverse("account")))
    sign_in(second, officer)
    assert "This is your first sign-in" not in text(second.get(reverse("account")))


def test_the_account_page_lists_sessions_in_a_constant_number_of_queries(officer):
    here = Client()
    here.force_login(officer)
    here.get(reverse("account"))
    with CaptureQueriesContext(connection) as one:
        assert here.get(reverse("account")).status_code == 200
    for _ in range(3):
        Client().force_login(officer)
    with CaptureQueriesContext(connection) as four:
        response = here.get(reverse("account"))
    assert text(response).count("govuk-table__row") == 5  # a header and four sessions
    assert len(four.captured_queries) == len(one.captured_queries)


def test_signing_out_everywhere_ends_every_session(officer):
    here, elsewhere = Client(), Client()
    sign_in(here, officer)
    sign_in(elsewhere, officer)

    response = here.post(reverse("sign-out-everywhere"))

    assert response.status_code == 302
    assert response.url == reverse("sign-in")
    assert here.session[SIGN_IN_NOTICE]["title"] == "You have signed out everywhere"
    assert "You have signed out everywhere" in text(here.get(reverse("sign-in")))
    for client in (here, elsewhere):
        assert client.get(reverse("home")).url.startswith(reverse("sign-in"))
    assert not SignedInSession.objects.filter(user=officer).exists()
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.SIGNED_OUT_EVERYWHERE)
    assert (event.actor_id, event.organisation_id) == (officer.pk, officer.organisation_id)
    assert event.details == {"other_sessions_ended": 1}


def test_signing_out_everywhere_takes_a_post(client, officer):
    client.force_login(officer)
    assert client.get(reverse("sign-out-everywhere")).status_code == 405
    assert SignedInSession.objects.filter(user=officer).exists()
