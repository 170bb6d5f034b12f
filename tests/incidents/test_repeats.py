"""S4a repeat flags: 3 or more incidents within 90 days (configurable), told at logging."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from access.models import UserGroup
from incidents.models import CaseRules
from incidents.services import log_complaint
from people.repeats import find_repeats, refresh_repeat_flags
from people.services import involve


@pytest.fixture
def officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


def _incident(officer, partnership, person=None, role="victim", **place):
    incident = log_complaint(
        by=officer, area=partnership.areas["Blaby"], description="Noise", **place
    )
    if person is not None:
        involve(incident, by=officer, role=role, person=person)
    return incident


@pytest.fixture
def victim(officer, partnership):
    first = _incident(officer, partnership)
    return involve(
        first, by=officer, role="victim", person_fields={"given_name": "Ann", "family_name": "Lee"}
    ).person


def test_a_third_incident_in_90_days_flags_a_repeat_victim(officer, partnership, victim):
    second = _incident(officer, partnership, victim)
    assert not second.repeat_victim_flag and not find_repeats(second).victims
    third = _incident(officer, partnership, victim)
    third.refresh_from_db()
    assert third.repeat_victim_flag
    assert find_repeats(third).victims == [(victim, 3)]


def test_incidents_outside_the_window_do_not_count(officer, partnership, victim):
    with time_machine.travel(timezone.now() - timedelta(days=200)):
        _incident(officer, partnership, victim)
    latest = _incident(officer, partnership, victim)
    latest.refresh_from_db()
    assert not latest.repeat_victim_flag


def test_the_rule_is_configurable(officer, partnership, victim):
    CaseRules.objects.filter(pk=1).update(repeat_min_incidents=2)
    second = _incident(officer, partnership, victim)
    second.refresh_from_db()
    assert second.repeat_victim_flag


def test_perpetrators_and_places_are_flagged_too(officer, partnership):
    place = {"address": "7 Canal Street", "postcode": "LE19 1AA"}
    first = _incident(officer, partnership, **place)
    suspect = involve(
        first,
        by=officer,
        role="perpetrator",
        person_fields={"given_name": "Rob", "family_name": "Jones"},
    ).person
    _incident(officer, partnership, suspect, role="perpetrator", **place)
    third = _incident(officer, partnership, suspect, role="perpetrator", **place)
    findings = refresh_repeat_flags(third)
    assert third.repeat_perpetrator_flag and third.repeat_location_flag
    assert findings.perpetrators == [(suspect, 3)]
    assert findings.location_incidents == 3
    assert not third.repeat_victim_flag


def test_a_place_counts_only_the_partnerships_own_incidents(
    officer, partnership, second_partnership
):
    """The same address in another partnership's records is no repeat here (nothing of the
    other partnership may be counted), and the other way round."""
    place = {"address": "7 Canal Street", "postcode": "LE19 1AA"}
    _incident(officer, partnership, **place)
    _incident(officer, partnership, **place)
    elsewhere = second_partnership.user(UserGroup.OPERATIONAL, "council")
    for _ in range(3):
        theirs = log_complaint(
            by=elsewhere,
            area=second_partnership.areas["Northmoor City"],
            description="Noise",
            **place,
        )

    ours = _incident(officer, partnership, **place)

    assert find_repeats(ours).location_incidents == 3
    assert find_repeats(theirs).location_incidents == 3
