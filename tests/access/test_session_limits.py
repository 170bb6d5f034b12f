"""Session limits (SPEC §17): 30 minutes idle, 12 hours absolute, the dialog's status and
extend endpoints, and sessions of a partner suspended since sign-in (T4)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from access.administration import services as administration
from access.models import SignedInSession, UserGroup
from access.sessions import describe_duration
from audit.models import AuditEvent

BLABY = "Blaby District Council"
# A winter morning: London time is UTC, so the times in notices read as written here.
START = datetime(2026, 1, 14, 9, 0, tzinfo=ZoneInfo("Europe/London"))
NOTICE = "access_sign_in_notice"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def officer(make_user):
    return make_user(BLABY, UserGroup.OPERATIONAL)


def signed_in(client, user):
    client.force_login(user)
    return client


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def expired_events(user):
    return list(AuditEvent.objects.filter(event_type=AuditEvent.Type.SESSION_EXPIRED, actor=user))


def status(client) -> dict:
    response = client.get(reverse("session-status"))
    assert response.status_code == 200
    return response.json()


def is_sign_in_redirect(response, next_path: str | None = None) -> bool:
    expected = reverse("sign-in") + (f"?next={next_path}" if next_path else "")
    return response.status_code == 302 and response.url == expected


# --- Idle limit ---------------------------------------------------------------------------------


@pytest.mark.parametrize("group", UserGroup.values)
def test_a_request_within_30_minutes_works_and_extends_the_session(
    client, clock, make_user, group
):
    user = make_user(BLABY, group)
    signed_in(client, user)
    home = reverse("home")
    clock.shift(minutes(29))
    assert client.get(home).status_code == 200
    clock.shift(minutes(29))  # 58 minutes after signing in, 29 after the last request
    assert client.get(home).status_code == 200
    assert status(client)["seconds_left"] == 30 * 60
    assert expired_events(user) == []


@pytest.mark.parametrize("group", UserGroup.values)
def test_31_minutes_after_the_last_request_the_user_is_signed_out_with_a_notice(
    client, clock, make_user, group
):
    user = make_user(BLABY, group)
    signed_in(client, user)
    path = reverse("home")
    clock.shift(minutes(10))
    assert client.get(path).status_code == 200
    clock.shift(minutes(31))

    response = client.get(path)

    assert is_sign_in_redirect(response, path)
    assert client.session[NOTICE] == {
        "title": "You have been signed out",
        "text": "For your security, you are signed out after 30 minutes without activity. "
        "Sign in again to carry on.",
    }
    assert SESSION_KEY not in client.session
    (event,) = expired_events(user)
    assert event.details["limit"] == "idle"
    assert event.organisation == user.organisation
    assert event.details["last_activity_at"] == (START + minutes(10)).isoformat()
    assert not SignedInSession.objects.filter(user=user).exists()
    # The session is over: the next request is anonymous, and is not recorded again.
    assert is_sign_in_redirect(client.get(path), path)
    assert len(expired_events(user)) == 1


def test_the_sign_in_page_itself_is_served_after_a_time_out(client, clock, officer):
    signed_in(client, officer)
    clock.shift(minutes(31))
    response = client.get(reverse("sign-in") + "?next=/incidents/")
    assert response.status_code == 200
    assert "after 30 minutes without activity" in response.content.decode()
    assert len(expired_events(officer)) == 1


def test_a_post_after_the_time_out_goes_to_sign_in_without_next(client, clock, officer):
    signed_in(client, officer)
    clock.shift(minutes(31))
    response = client.post(reverse("search"), {"name": "anything"})
    assert is_sign_in_redirect(response)


def test_the_api_answers_401_to_a_timed_out_session(client, clock, officer):
    signed_in(client, officer)
    assert client.get("/api/v1/incidents/").status_code == 200
    clock.shift(minutes(31))
    response = client.get("/api/v1/incidents/")
    assert response.status_code == 401
    assert response.json()["signed_in"] is False
    assert expired_events(officer)[0].details["limit"] == "idle"


def test_a_json_request_after_the_time_out_answers_401(client, clock, officer):
    signed_in(client, officer)
    clock.shift(minutes(31))
    response = client.post(reverse("session-extend"), HTTP_ACCEPT="application/json")
    assert response.status_code == 401


def test_the_limits_are_read_when_each_request_comes(client, clock, officer, settings):
    settings.SESSION_IDLE_TIMEOUT = 60
    signed_in(client, officer)
    clock.shift(timedelta(seconds=59))
    assert client.get(reverse("home")).status_code == 200
    clock.shift(timedelta(seconds=61))
    assert is_sign_in_redirect(client.get(reverse("home")), reverse("home"))
    assert "after 1 minute without activity" in client.session[NOTICE]["text"]


# --- The dialog's endpoints ---------------------------------------------------------------------


def test_the_status_says_how_long_is_left_and_does_not_extend(client, clock, officer):
    signed_in(client, officer)
    clock.shift(minutes(20))
    assert status(client) == {"signed_in": True, "seconds_left": 600, "limit": "idle"}
    clock.shift(minutes(9))
    assert status(client)["seconds_left"] == 60
    clock.shift(minutes(2))
    # 31 minutes after signing in, with only status checks since: the session has ended.
    assert status(client) == {"signed_in": False, "seconds_left": 0}
    assert expired_events(officer)[0].details["limit"] == "idle"
    assert is_sign_in_redirect(client.get(reverse("home")), reverse("home"))


def test_the_status_of_no_session(client):
    assert status(client) == {"signed_in": False, "seconds_left": 0}


def test_staying_signed_in_extends_the_session(client, clock, officer):
    signed_in(client, officer)
    clock.shift(minutes(29))
    response = client.post(reverse("session-extend"))
    assert response.status_code == 200
    assert response.json() == {"signed_in": True, "seconds_left": 1800, "limit": "idle"}
    clock.shift(minutes(29))
    assert client.get(reverse("home")).status_code == 200


def test_staying_signed_in_needs_the_csrf_token(officer, clock):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    client.get(reverse("home"))
    clock.shift(minutes(29))
    assert client.post(reverse("session-extend")).status_code == 403
    token = client.cookies["csrftoken"].value
    response = client.post(reverse("session-extend"), HTTP_X_CSRFTOKEN=token)
    assert response.json()["seconds_left"] == 1800


def test_staying_signed_in_only_by_post(client, officer):
    signed_in(client, officer)
    assert client.get(reverse("session-extend")).status_code == 405


def test_the_extend_endpoint_refuses_anyone_signed_out(client):
    assert client.post(reverse("session-extend")).status_code == 401


def test_saving_a_draft_does_not_keep_the_session_alive(client, clock, officer):
    signed_in(client, officer)
    clock.shift(minutes(29))
    response = client.post(
        reverse("form-draft-save"),
        {"path": "/incidents/", "form_key": "form-0", "data": {"description": ["Typed"]}},
        content_type="application/json",
    )
    assert response.status_code == 201
    clock.shift(minutes(2))
    assert is_sign_in_redirect(client.get(reverse("home")), reverse("home"))


# --- Absolute limit -----------------------------------------------------------------------------


def test_twelve_hours_after_signing_in_the_session_ends_however_active(client, clock, officer):
    signed_in(client, officer)
    for _ in range(12 * 3 - 1):
        clock.shift(minutes(20))
        assert client.get(reverse("home")).status_code == 200
    # 11 h 40 min after signing in, active just now: the absolute limit comes first.
    assert status(client) == {"signed_in": True, "seconds_left": 20 * 60, "limit": "absolute"}
    clock.shift(minutes(19))
    assert client.post(reverse("session-extend")).json()["seconds_left"] == 60
    clock.shift(minutes(1) + timedelta(seconds=1))

    response = client.get(reverse("home"))

    assert is_sign_in_redirect(response, reverse("home"))
    assert client.session[NOTICE]["text"] == (
        "For your security, you are signed out 12 hours after you signed in. "
        "Sign in again to carry on."
    )
    (event,) = expired_events(officer)
    assert event.details["limit"] == "absolute"
    assert event.details["signed_in_at"] == START.isoformat()


def test_signing_in_again_starts_both_clocks_again(client, clock, officer):
    signed_in(client, officer)
    clock.shift(minutes(31))
    client.get(reverse("home"))
    signed_in(client, officer)
    assert status(client) == {"signed_in": True, "seconds_left": 1800, "limit": "idle"}


def test_a_session_from_before_the_limits_starts_counting_at_its_next_request(
    client, clock, officer
):
    signed_in(client, officer)
    session = client.session
    del session["access_signed_in_at"], session["access_last_activity"]
    session.save()
    clock.shift(minutes(45))
    assert client.get(reverse("home")).status_code == 200
    assert client.session["access_signed_in_at"] == (START + minutes(45)).timestamp()


def test_a_busy_user_does_not_cost_a_session_write_per_request(client, clock, officer):
    signed_in(client, officer)
    before = client.session["access_last_activity"]
    clock.shift(timedelta(seconds=10))
    client.get(reverse("home"))
    assert client.session["access_last_activity"] == before
    clock.shift(timedelta(seconds=25))
    client.get(reverse("home"))
    assert client.session["access_last_activity"] == (START + timedelta(seconds=35)).timestamp()


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(25, "25 seconds"), (60, "1 minute"), (1800, "30 minutes"), (43200, "12 hours"),
     (5400, "1 hour 30 minutes"), (0, "0 seconds")],
)  # fmt: skip
def test_durations_in_words(seconds, words):
    assert describe_duration(seconds) == words


# --- Sessions the backend now refuses -----------------------------------------------------------


@pytest.fixture
def host(make_user):
    return make_user(
        "Leicestershire Police",
        UserGroup.ADMINISTRATOR,
        manages_all_organisations=True,
        username="host",
    )


def test_a_suspension_that_begins_during_a_session_ends_it_with_the_reason(
    client, clock, officer, host
):
    signed_in(client, officer)
    administration.suspend_organisation(
        officer.organisation,
        by=host,
        starts=START + minutes(50),
        ends=START + timedelta(days=3),
        reason="Data-sharing agreement under review",
    )
    for _ in range(2):
        clock.shift(minutes(20))
        assert client.get(reverse("home")).status_code == 200
    clock.shift(minutes(15))  # 55 minutes: the suspension has begun

    response = client.get(reverse("home"))

    assert is_sign_in_redirect(response, reverse("home"))
    assert client.session[NOTICE] == {
        "title": "You have been signed out",
        "text": "Your organisation's access is suspended from 14 Jan 2026 09:50 until "
        "17 Jan 2026 09:00: Data-sharing agreement under review",
    }
    assert SESSION_KEY not in client.session
    (event,) = expired_events(officer)
    assert (event.details["limit"], event.outcome) == ("suspended", AuditEvent.Outcome.DENIED)
    # Signed out for good: the next request does not find the user again.
    assert is_sign_in_redirect(client.get(reverse("home")), reverse("home"))
    assert len(expired_events(officer)) == 1


def test_a_suspended_session_asking_for_its_status_is_told_it_has_ended(
    client, clock, officer, host
):
    signed_in(client, officer)
    administration.suspend_organisation(
        officer.organisation,
        by=host,
        starts=START + minutes(10),
        ends=START + timedelta(days=1),
        reason="Breach",
    )
    clock.shift(minutes(11))
    assert status(client) == {"signed_in": False, "seconds_left": 0}
    assert "suspended" in client.session[NOTICE]["text"]


def test_a_disabled_users_session_ends_with_a_plain_notice(client, clock, officer):
    signed_in(client, officer)
    # As if the session had outlived the disabling (the administration service ends it).
    type(officer).objects.filter(pk=officer.pk).update(is_active=False)
    response = client.get(reverse("home"))
    assert is_sign_in_redirect(response, reverse("home"))
    assert client.session[NOTICE]["text"] == (
        "Your account can no longer be used. Ask your organisation's administrator."
    )
    assert expired_events(officer)[0].details["limit"] == "refused"


def test_an_anonymous_visitor_is_left_alone(client, db):
    response = client.get(reverse("sign-in"))
    assert response.status_code == 200
    assert NOTICE not in client.session


@pytest.mark.parametrize(
    ("warning", "idle", "starts"),
    [("10", "1800", False), ("1800", "1800", False), ("20", "1800", True)],
)
def test_the_warning_leaves_at_least_20_seconds_to_answer(warning, idle, starts):
    from tests.test_settings import _manage

    result = _manage("check", SESSION_WARNING_SECONDS=warning, SESSION_IDLE_TIMEOUT=idle)
    assert (result.returncode == 0) is starts, result.stderr
    if not starts:
        assert "at least 20 (WCAG 2.2.1)" in result.stderr
