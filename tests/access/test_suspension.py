"""Suspending a partner (T4, docs/requirements.md): deployment-wide administrators only, for at
most 45 days, with a reason; its users' sessions end at once; lifting is recorded."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access import policy
from access.administration import services
from access.models import Organisation, SignedInSession, UserGroup
from audit.models import AuditEvent
from incidents.services import log_complaint
from tests.access.factories import PASSWORD

BLABY = "Blaby District Council"
RUTLAND = "Rutland County Council"
POLICE = "Leicestershire Police"
ACTORS = [*UserGroup.values, "deployment"]
FORMAT = "%Y-%m-%dT%H:%M"


@pytest.fixture
def host(make_user):
    return make_user(
        POLICE, UserGroup.ADMINISTRATOR, manages_all_organisations=True, username="host"
    )


@pytest.fixture
def rutland(partnership):
    return partnership.organisations[RUTLAND]


def local(moment) -> str:
    return timezone.localtime(moment).strftime(FORMAT)


def suspension(days: float = 10, starts=None, reason: str = "Serious security breach"):
    starts = starts or timezone.now()
    return {
        "starts": local(starts),
        "ends": local(starts + timedelta(days=days)),
        "reason": reason,
    }


def suspend_now(organisation, by, days=10):
    return services.suspend_organisation(
        organisation,
        by=by,
        ends=timezone.now() + timedelta(days=days),
        reason="Serious security breach",
    )


@pytest.mark.parametrize("group", ACTORS)
def test_only_deployment_wide_administrators_suspend_partners(
    client, make_user, host, rutland, group
):
    actor = host if group == "deployment" else make_user(BLABY, group)
    client.force_login(actor)
    allowed = group == "deployment"
    assert client.get(reverse("admin-partners")).status_code == (200 if allowed else 404)
    suspend = reverse("admin-partner-suspend", args=[rutland.pk])
    assert client.get(suspend).status_code == (200 if allowed else 404)
    assert client.post(suspend, suspension()).status_code == (302 if allowed else 404)
    rutland.refresh_from_db()
    assert rutland.is_suspended() == allowed
    lift = reverse("admin-partner-lift", args=[rutland.pk])
    assert client.get(lift).status_code == (200 if allowed else 404)
    assert client.post(lift, {"reason": "Investigation closed"}).status_code == (
        302 if allowed else 404
    )
    rutland.refresh_from_db()
    assert not rutland.is_suspended()


def test_a_deployment_wide_administrator_cannot_suspend_their_own_organisation(client, host):
    client.force_login(host)
    own = host.organisation
    assert client.get(reverse("admin-partner-suspend", args=[own.pk])).status_code == 404
    assert (
        client.post(reverse("admin-partner-suspend", args=[own.pk]), suspension()).status_code
        == 404
    )
    assert not Organisation.objects.get(pk=own.pk).is_suspended()
    assert AuditEvent.objects.filter(
        event_type=AuditEvent.Type.ACCESS_DENIED, target_type="organisation"
    ).exists()


def test_suspending_a_partner_ends_its_users_sessions_at_once(client, make_user, host, rutland):
    officer = make_user(RUTLAND, UserGroup.ENHANCED)
    colleague = make_user(RUTLAND, UserGroup.OPERATIONAL)
    bystander = make_user(BLABY, UserGroup.OPERATIONAL)
    browsers = {}
    for user in (officer, colleague, bystander):
        browsers[user.pk] = Client()
        browsers[user.pk].force_login(user)
        assert browsers[user.pk].get(reverse("home")).status_code == 200
    client.force_login(host)

    response = client.post(
        reverse("admin-partner-suspend", args=[rutland.pk]), suspension(days=10)
    )

    assert response.status_code == 302
    rutland.refresh_from_db()
    assert rutland.suspension_reason == "Serious security breach"
    assert not rutland.may_use_system()
    assert rutland.may_use_system(at=timezone.now() + timedelta(days=11))
    for user in (officer, colleague):
        next_request = browsers[user.pk].get(reverse("home"))
        assert next_request.status_code == 302
        assert next_request.url.startswith(reverse("sign-in"))
        assert not SignedInSession.objects.filter(user=user).exists()
    # Other partners carry on.
    assert browsers[bystander.pk].get(reverse("home")).status_code == 200

    event = AuditEvent.objects.get(event_type=AuditEvent.Type.ORGANISATION_SUSPENDED)
    assert event.actor == host
    assert event.organisation == rutland
    assert (event.target_type, event.target_id) == ("organisation", str(rutland.pk))
    assert event.justification == "Serious security breach"
    assert event.details["sessions_ended"] == 2
    assert event.details["until"] == rutland.suspended_until.isoformat()


def test_a_suspended_partners_users_cannot_sign_in(client, make_user, host, rutland):
    officer = make_user(RUTLAND, UserGroup.OPERATIONAL)
    suspend_now(rutland, host)
    client.post(reverse("sign-in"), {"username": officer.username, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_a_suspension_can_start_later(client, make_user, host, rutland):
    officer = make_user(RUTLAND, UserGroup.OPERATIONAL)
    their_browser = Client()
    their_browser.force_login(officer)
    client.force_login(host)
    starts = timezone.now() + timedelta(days=2)

    client.post(
        reverse("admin-partner-suspend", args=[rutland.pk]), suspension(days=5, starts=starts)
    )

    rutland.refresh_from_db()
    assert rutland.may_use_system()
    assert not rutland.may_use_system(at=starts + timedelta(days=1))
    assert rutland.may_use_system(at=starts + timedelta(days=6))
    assert their_browser.get(reverse("home")).status_code == 200
    page = client.get(reverse("admin-partners")).content.decode()
    assert "Suspension planned" in page


@pytest.mark.parametrize(
    "days, allowed", [(45, True), (45.1, False)], ids=["45 days", "more than 45 days"]
)
def test_a_suspension_lasts_at_most_45_days(client, host, rutland, days, allowed):
    client.force_login(host)
    starts = timezone.now() + timedelta(hours=1)
    response = client.post(
        reverse("admin-partner-suspend", args=[rutland.pk]),
        suspension(days=days, starts=starts, reason="Kept reason"),
    )
    rutland.refresh_from_db()
    assert (rutland.suspended_from is not None) == allowed
    if not allowed:
        page = response.content.decode()
        assert "A partner can be suspended for at most 45 days" in page
        assert 'href="#id_ends_day"' in page  # the first box of the date input
        assert "Kept reason" in page


def test_a_suspension_needs_an_end_and_a_reason(client, host, rutland):
    client.force_login(host)
    response = client.post(reverse("admin-partner-suspend", args=[rutland.pk]), {})
    page = response.content.decode()
    assert "Enter when the suspension ends." in page
    assert "Enter why the partner is being suspended." in page
    rutland.refresh_from_db()
    assert rutland.suspended_from is None

    ended_already = client.post(
        reverse("admin-partner-suspend", args=[rutland.pk]), suspension(days=-1)
    )
    assert "The suspension must end after it starts." in ended_already.content.decode()


def test_lifting_a_suspension_is_recorded(client, make_user, host, rutland):
    officer = make_user(RUTLAND, UserGroup.OPERATIONAL)
    suspend_now(rutland, host)
    client.force_login(host)

    refused = client.post(reverse("admin-partner-lift", args=[rutland.pk]), {"reason": ""})
    assert "Enter why the suspension is being lifted." in refused.content.decode()
    response = client.post(
        reverse("admin-partner-lift", args=[rutland.pk]), {"reason": "Investigation closed"}
    )

    assert response.status_code == 302
    rutland.refresh_from_db()
    assert rutland.may_use_system()
    assert (rutland.suspended_from, rutland.suspended_until, rutland.suspension_reason) == (
        None,
        None,
        "",
    )
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.SUSPENSION_LIFTED)
    assert event.actor == host
    assert event.organisation == rutland
    assert (event.target_type, event.target_id) == ("organisation", str(rutland.pk))
    assert event.justification == "Investigation closed"
    assert event.details["lifted"]["reason"] == "Serious security breach"
    signing_in = Client()
    signing_in.post(reverse("sign-in"), {"username": officer.username, "password": PASSWORD})
    assert signing_in.session["_auth_user_id"] == str(officer.pk)


def test_lifting_when_not_suspended_changes_nothing(client, host, rutland):
    client.force_login(host)
    response = client.post(
        reverse("admin-partner-lift", args=[rutland.pk]), {"reason": "Just in case"}
    )
    assert response.url == reverse("admin-partners")
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.SUSPENSION_LIFTED).exists()


def test_a_suspended_partners_records_stay_available_to_the_others(
    make_user, host, rutland, partnership
):
    rutland_officer = make_user(RUTLAND, UserGroup.ENHANCED)
    police_officer = make_user(POLICE, UserGroup.OPERATIONAL)
    incident = log_complaint(
        by=rutland_officer, area=partnership.areas["Rutland"], description="Graffiti"
    )
    suspend_now(rutland, host)
    rutland_officer.organisation.refresh_from_db()
    assert policy.visible_incidents(police_officer).filter(pk=incident.pk).exists()
    assert not policy.visible_incidents(rutland_officer).filter(pk=incident.pk).exists()


def test_the_partners_page_shows_each_partners_status(client, host, rutland, partnership):
    suspend_now(rutland, host)
    client.force_login(host)
    page = client.get(reverse("admin-partners")).content.decode()
    assert page.count("govuk-tag--red") == 1
    assert "Serious security breach" in page
    assert page.count("govuk-tag--green") == len(partnership.organisations) - 1
    assert reverse("admin-partner-lift", args=[rutland.pk]) in page
    assert reverse("admin-partner-suspend", args=[host.organisation.pk]) not in page


def test_the_partners_page_costs_the_same_for_any_number_of_users(client, make_user, host):
    client.force_login(host)

    def queries():
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("admin-partners")).status_code == 200
        return len(context.captured_queries)

    few = queries()
    for n in range(12):
        make_user(RUTLAND if n % 2 else BLABY, UserGroup.OPERATIONAL)
    assert queries() == few
