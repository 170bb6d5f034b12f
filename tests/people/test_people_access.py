"""Every people page and API route, for every group against in-area, out-of-area and shared
records (tests/access/scenario.py): 200 where the policy allows, 404 where it does not (V5)."""

import pytest
from django.urls import reverse

from access.models import UserGroup
from audit.models import AuditEvent
from people.models import Intervention, InterventionType, Involvement
from people.services import involve, record_intervention
from tests.access.scenario import GROUPS, RECORDS, expect

pytestmark = pytest.mark.django_db

SEARCHERS = {UserGroup.OPERATIONAL, UserGroup.ENHANCED, UserGroup.ANALYST, UserGroup.ADMINISTRATOR}


def _status(allowed: bool) -> int:
    return 200 if allowed else 404


def _involvement(scenario, people, record) -> Involvement:
    return Involvement.objects.get(
        incident=scenario.incidents[record], person=people.for_record(record)
    )


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
class TestPages:
    def test_person_detail(self, client, scenario, people, group, record):
        client.force_login(scenario.user(group))
        person = people.for_record(record)
        response = client.get(reverse("person-detail", args=[person.pk]))
        assert response.status_code == _status(expect(group, record))

    def test_person_edit(self, client, scenario, people, group, record):
        client.force_login(scenario.user(group))
        person = people.for_record(record)
        response = client.get(reverse("person-edit", args=[person.pk]))
        assert response.status_code == _status(expect(group, record, "edit"))

    def test_person_history(self, client, scenario, people, group, record):
        client.force_login(scenario.user(group))
        person = people.for_record(record)
        response = client.get(reverse("person-history", args=[person.pk]))
        assert response.status_code == _status(expect(group, record))

    def test_involvement_add(self, client, scenario, people, group, record):
        client.force_login(scenario.user(group))
        urn = scenario.incidents[record].urn
        response = client.get(reverse("involvement-add", args=[urn]))
        assert response.status_code == _status(expect(group, record, "edit"))
        response = client.post(
            reverse("involvement-add", args=[urn]),
            {
                "step": "find",
                "find-role": "witness",
                "find-given_name": "Ada",
                "find-family_name": "Quill",
            },
        )
        assert response.status_code == _status(expect(group, record, "edit"))

    def test_involvement_detail(self, client, scenario, people, group, record):
        client.force_login(scenario.user(group))
        involvement = _involvement(scenario, people, record)
        url = reverse("involvement-detail", args=[involvement.incident.urn, involvement.pk])
        assert client.get(url).status_code == _status(expect(group, record))
        posted = client.post(
            url,
            {
                "form": "consent",
                "consent-scope": "partner_sharing",
                "consent-status": "given",
                "consent-decided_on": "01/02/2026",
            },
        )
        assert posted.status_code == (302 if expect(group, record, "edit") else 404)

    def test_intervention_edit(self, client, scenario, people, group, record):
        owner = scenario.rutland_officer if record != "in_area" else scenario.user("operational")
        perpetrator = involve(
            scenario.incidents[record],
            by=owner,
            role=Involvement.Role.PERPETRATOR,
            person_fields={"given_name": "Rex", "family_name": "Tallow"},
        )
        intervention = record_intervention(
            perpetrator,
            by=owner,
            type=InterventionType.objects.get(code="verbal_warning"),
            issuing_organisation=owner.organisation,
            status=Intervention.Status.PROPOSED,
        )
        client.force_login(scenario.user(group))
        url = reverse(
            "intervention-edit",
            args=[perpetrator.incident.urn, perpetrator.pk, intervention.pk],
        )
        assert client.get(url).status_code == _status(expect(group, record, "edit"))


@pytest.mark.parametrize("group", GROUPS)
def test_person_search_is_for_operational_users_and_above(client, scenario, people, group):
    client.force_login(scenario.user(group))
    page = client.get(reverse("person-search"))
    assert page.status_code == (200 if group in SEARCHERS else 404)
    posted = client.post(reverse("person-search"), {"family_name": people.remote.family_name})
    assert posted.status_code == (200 if group in SEARCHERS else 404)
    if posted.status_code == 200:
        # Never someone known only to an out-of-scope incident.
        assert reverse("person-detail", args=[people.remote.pk]) not in posted.content.decode()


@pytest.mark.parametrize("group", GROUPS)
def test_merge_pages_are_for_administrators_only(client, scenario, people, group):
    client.force_login(scenario.user(group))
    allowed = group == UserGroup.ADMINISTRATOR
    assert client.get(reverse("people-merge")).status_code == _status(allowed)
    compare = client.post(
        reverse("people-merge"),
        {"action": "compare", "pick-keep": people.local.pk, "pick-duplicate": people.both.pk},
    )
    assert compare.status_code == _status(allowed)


def test_a_person_seen_through_one_incident_shows_only_that_involvement(client, scenario, people):
    """`both` is in the in_area and the out_of_area incidents: Blaby sees the person, but
    the out-of-area involvement is neither listed nor counted."""
    client.force_login(scenario.user(UserGroup.OPERATIONAL))
    page = client.get(reverse("person-detail", args=[people.both.pk])).content.decode()
    assert scenario.incidents["in_area"].urn in page
    assert scenario.incidents["out_of_area"].urn not in page
    assert "There are no incidents" not in page

    api = client.get(f"/api/v1/involvements/?incident={scenario.incidents['out_of_area'].urn}")
    assert api.status_code == 404
    unfiltered = client.get("/api/v1/involvements/").json()["results"]
    assert scenario.incidents["out_of_area"].urn not in str(unfiltered)


def test_out_of_scope_and_missing_people_answer_alike(client, scenario, people):
    client.force_login(scenario.user(UserGroup.OPERATIONAL))
    missing = people.remote.pk + 1000
    for name in ("person-detail", "person-edit", "person-history"):
        forbidden = client.get(reverse(name, args=[people.remote.pk]))
        absent = client.get(reverse(name, args=[missing]))
        assert forbidden.status_code == absent.status_code == 404
    denied = AuditEvent.objects.filter(
        event_type=AuditEvent.Type.ACCESS_DENIED, target_type="person"
    )
    assert {(e.target_id, e.details["exists"]) for e in denied} == {
        (str(people.remote.pk), True),
        (str(missing), False),
    }
    assert all(e.outcome == AuditEvent.Outcome.DENIED for e in denied)


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
class TestApi:
    def test_person_retrieve_and_list(self, client, scenario, people, group, record):
        client.force_login(scenario.user(group))
        person = people.for_record(record)
        allowed = expect(group, record)
        assert client.get(f"/api/v1/people/{person.pk}/").status_code == _status(allowed)
        listed = {p["id"] for p in client.get("/api/v1/people/").json()["results"]}
        assert (person.pk in listed) is allowed

    def test_person_update(self, client, scenario, people, group, record):
        client.force_login(scenario.user(group))
        person = people.for_record(record)
        response = client.patch(
            f"/api/v1/people/{person.pk}/",
            {"version": person.version, "language": "Welsh"},
            content_type="application/json",
        )
        assert response.status_code == _status(expect(group, record, "edit"))

    def test_involvements(self, client, scenario, people, group, record):
        client.force_login(scenario.user(group))
        involvement = _involvement(scenario, people, record)
        urn = involvement.incident.urn
        allowed = expect(group, record)
        listed = client.get(f"/api/v1/involvements/?incident={urn}")
        # A list narrowed to an incident the user may not see answers 404, like any other.
        assert listed.status_code == _status(allowed)
        if allowed:
            assert involvement.pk in {i["id"] for i in listed.json()["results"]}
        retrieved = client.get(f"/api/v1/involvements/{involvement.pk}/")
        assert retrieved.status_code == _status(allowed)
        created = client.post(
            "/api/v1/involvements/",
            {
                "incident": urn,
                "role": "witness",
                "person_fields": {"given_name": "Ada", "family_name": "Quill"},
            },
            content_type="application/json",
        )
        assert created.status_code == (201 if expect(group, record, "edit") else 404)

    def test_matches(self, client, scenario, people, group, record):
        client.force_login(scenario.user(group))
        person = people.for_record(record)
        response = client.post(
            "/api/v1/people/matches/",
            {
                "given_name": person.given_name,
                "family_name": person.family_name,
                "date_of_birth": person.date_of_birth.isoformat(),
            },
            content_type="application/json",
        )
        if group == UserGroup.BASIC:
            assert response.status_code == 404
            return
        assert response.status_code == 200
        found = {m["person"]["id"] for m in response.json()["results"]}
        assert (person.pk in found) is expect(group, record)
