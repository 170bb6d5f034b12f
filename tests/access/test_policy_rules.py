"""Policy rules the matrix does not cover: status, suspension, disabled users, shares ending."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from access import policy
from access.models import User, UserGroup
from access.services import revoke_share, share_incident
from incidents.models import Incident
from incidents.services import log_complaint
from tests.access.factories import UserFactory
from tests.incidents.factories import IncidentFactory

VIEW, EDIT, CLOSE = policy.Action.VIEW, policy.Action.EDIT, policy.Action.CLOSE


@pytest.fixture
def blaby_manager(make_user):
    return make_user("Blaby District Council", UserGroup.ENHANCED)


@pytest.fixture
def incident(partnership, blaby_manager):
    return log_complaint(by=blaby_manager, area=partnership.areas["Blaby"], description="Noise")


@pytest.mark.parametrize(
    ("status", "may_edit", "may_close"),
    [
        (Incident.Status.OPEN, True, False),
        (Incident.Status.SUBMITTED, True, True),
        (Incident.Status.CLOSED, False, False),
    ],
)
def test_closing_needs_a_submitted_case_and_closed_cases_are_read_only(
    status, may_edit, may_close, blaby_manager, incident
):
    Incident.objects.filter(pk=incident.pk).update(status=status)
    assert policy.can(blaby_manager, VIEW, incident)
    assert policy.can(blaby_manager, EDIT, incident) is may_edit
    assert policy.can(blaby_manager, CLOSE, incident) is may_close


def test_an_enhanced_user_of_another_organisation_cannot_close(make_user, incident):
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.SUBMITTED)
    county_manager = make_user("Leicestershire County Council", UserGroup.ENHANCED)
    assert policy.can(county_manager, EDIT, incident)  # Blaby is in the county
    assert not policy.can(county_manager, CLOSE, incident)


def test_a_suspended_partner_sees_nothing_while_suspended(blaby_manager, incident):
    organisation = blaby_manager.organisation
    organisation.suspended_from = timezone.now() - timedelta(days=1)
    organisation.suspended_until = timezone.now() + timedelta(days=44)
    organisation.suspension_reason = "Security breach under investigation"
    organisation.save()
    blaby_manager.refresh_from_db()
    assert not policy.visible_incidents(blaby_manager).exists()

    organisation.suspended_until = timezone.now() - timedelta(minutes=1)
    organisation.save()
    blaby_manager.refresh_from_db()
    assert policy.visible_incidents(blaby_manager).filter(pk=incident.pk).exists()


def test_a_disabled_user_sees_nothing(blaby_manager, incident):
    blaby_manager.is_active = False
    blaby_manager.save()
    assert not policy.visible_incidents(blaby_manager).exists()


def test_a_disabled_users_session_stops_working(client, blaby_manager, incident):
    client.force_login(blaby_manager)
    assert client.get(f"/incidents/{incident.urn}/").status_code == 200
    User.objects.filter(pk=blaby_manager.pk).update(is_active=False)
    assert client.get(f"/incidents/{incident.urn}/").status_code == 302


def test_a_revoked_share_ends_access(make_user, blaby_manager, incident):
    city_officer = make_user("Leicester City Council", UserGroup.OPERATIONAL)
    share_incident(incident, by=blaby_manager, with_user=city_officer, reason="Joint case")
    assert policy.can(city_officer, VIEW, incident)
    assert not policy.can(city_officer, EDIT, incident)

    revoke_share(incident, by=blaby_manager, with_user=city_officer, reason="Case moved on")
    assert not policy.can(city_officer, VIEW, incident)


def test_only_someone_who_may_edit_can_share(make_user, incident):
    from django.core.exceptions import PermissionDenied

    blaby_analyst = make_user("Blaby District Council", UserGroup.ANALYST)
    city_officer = make_user("Leicester City Council", UserGroup.OPERATIONAL)
    with pytest.raises(PermissionDenied):
        share_incident(incident, by=blaby_analyst, with_user=city_officer, reason="Curious")
    assert not policy.can(city_officer, VIEW, incident)


def test_organisation_share_follows_the_user_not_a_stored_membership(
    make_user, blaby_manager, incident, partnership
):
    mover = make_user("Leicester City Council", UserGroup.OPERATIONAL)
    share_incident(
        incident,
        by=blaby_manager,
        with_organisation=mover.organisation,
        reason="City council is the landlord",
    )
    assert policy.can(mover, VIEW, incident)

    mover.organisation = partnership.organisations["Rutland County Council"]
    mover.save()
    assert not policy.can(mover, VIEW, incident)


def test_a_basic_user_sees_nothing_even_what_they_logged(make_user, partnership):
    clerk = make_user("Blaby District Council", UserGroup.BASIC)
    mine = log_complaint(by=clerk, area=partnership.areas["Blaby"], description="Shouting")
    assert mine.lead_officer is None
    assert mine.lead_organisation == clerk.organisation
    for action in (VIEW, EDIT, CLOSE):
        assert not policy.can(clerk, action, mine)


def test_confidential_beats_the_police_rule(make_user, partnership, blaby_manager):
    secret = IncidentFactory(
        created_by=blaby_manager,
        area=partnership.areas["Blaby"],
        marking=Incident.Marking.CONFIDENTIAL,
    )
    police_manager = make_user("Leicestershire Police", UserGroup.ENHANCED)
    assert not policy.can(police_manager, VIEW, secret)
    assert policy.can(blaby_manager, VIEW, secret)


class TestDatabaseGuarantees:
    def test_administrators_need_training_level_2(self, partnership):
        organisation = partnership.organisations["Blaby District Council"]
        with pytest.raises(IntegrityError), transaction.atomic():
            UserFactory(organisation=organisation, group=UserGroup.ADMINISTRATOR, training_level=1)
        assert UserFactory(
            organisation=organisation, group=UserGroup.ADMINISTRATOR, training_level=2
        ).pk

    def test_nobody_is_enabled_without_a_confirmed_code_of_connection(self, partnership):
        organisation = partnership.organisations["Blaby District Council"]
        with pytest.raises(IntegrityError), transaction.atomic():
            UserFactory(organisation=organisation, code_of_connection_confirmed_at=None)
        assert UserFactory(
            organisation=organisation, code_of_connection_confirmed_at=None, is_active=False
        ).pk

    def test_no_account_can_be_a_superuser(self, partnership):
        organisation = partnership.organisations["Blaby District Council"]
        with pytest.raises(IntegrityError), transaction.atomic():
            UserFactory(organisation=organisation, is_superuser=True)
