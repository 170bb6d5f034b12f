"""The people API: versioned updates (409 with the changes), involvements created through
the same service, matches, and errors that say what is wrong (SPEC I1, §16)."""

import pytest

from access.models import UserGroup
from audit.models import AuditEvent
from people.models import Involvement, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(scenario):
    return scenario.user(UserGroup.OPERATIONAL)


def _patch(client, person, body):
    return client.patch(f"/api/v1/people/{person.pk}/", body, content_type="application/json")


def test_an_update_must_name_its_version(client, officer, people):
    client.force_login(officer)
    response = _patch(client, people.local, {"language": "Polish"})
    assert response.status_code == 400
    assert list(response.json()) == ["version"]


def test_a_stale_update_answers_409_with_the_changes(client, scenario, people):
    first, second = scenario.user(UserGroup.OPERATIONAL), scenario.user(UserGroup.ENHANCED)
    client.force_login(first)
    ok = _patch(client, people.local, {"version": 1, "language": "Polish"})
    assert ok.status_code == 200
    assert (ok.json()["version"], ok.json()["language"]) == (2, "Polish")

    client.force_login(second)
    stale = _patch(client, people.local, {"version": 1, "language": "Urdu"})
    assert stale.status_code == 409
    body = stale.json()
    assert body["version"] == 2
    assert [(c["field"], c["old"], c["new"], c["by"]) for c in body["changes"]] == [
        ("preferred language", "", "Polish", str(first))
    ]
    people.local.refresh_from_db()
    assert people.local.language == "Polish"


def test_bad_values_answer_400_by_field(client, officer, people):
    client.force_login(officer)
    response = _patch(
        client, people.local, {"version": 1, "postcode": "nowhere", "gender": "unknown"}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"gender"}
    response = _patch(client, people.local, {"version": 1, "postcode": "nowhere"})
    assert response.json() == {"postcode": ["Enter a real postcode, like LE19 2AB."]}


def test_creating_an_involvement_through_the_api(client, officer, scenario, people):
    client.force_login(officer)
    urn = scenario.incidents["in_area"].urn

    def post(body):
        return client.post(
            "/api/v1/involvements/", {"incident": urn, **body}, content_type="application/json"
        )

    created = post(
        {
            "role": "witness",
            "person_fields": {
                "given_name": "Idris",
                "family_name": "Vaughan",
                "postcode": "le2 7aa",
            },
        }
    )
    assert created.status_code == 201
    person = Person.objects.get(family_name="Vaughan")
    assert (created.json()["person"], person.postcode) == (person.pk, "LE2 7AA")
    assert (
        AuditEvent.objects.filter(
            event_type=AuditEvent.Type.INVOLVEMENT_ADDED, actor=officer, target_id=urn
        ).count()
        == 1 + 2
    )  # two from the people fixture

    bad = post(
        {
            "role": "witness",
            "person_fields": {"given_name": "X", "family_name": "Y", "postcode": "LE2"},
        }
    )
    assert bad.status_code == 400
    assert bad.json() == {"person_fields": {"postcode": ["Enter a real postcode, like LE19 2AB."]}}

    duplicate = post({"role": "witness", "person": person.pk})
    assert duplicate.status_code == 400
    assert "already recorded as witness" in duplicate.json()["person"][0]

    # Someone out of scope and someone missing look the same.
    hidden = post({"role": "witness", "person": people.remote.pk})
    missing = post({"role": "witness", "person": people.remote.pk + 1000})
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json()
    assert not Involvement.objects.filter(person=people.remote, incident__urn=urn).exists()


def test_matches_answer_with_scores_and_reasons_and_are_logged(client, officer, people):
    client.force_login(officer)
    response = client.post(
        "/api/v1/people/matches/",
        {
            "given_name": people.local.given_name,
            "family_name": people.local.family_name,
            "date_of_birth": people.local.date_of_birth.isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 200
    [match] = response.json()["results"]
    assert match["person"]["id"] == people.local.pk
    assert match["reasons"] == ["Same name", "Same date of birth"]
    assert match["score"] == 0.85
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.SEARCH)
    assert (event.actor, event.details["results"]) == (officer, [people.local.pk])

    bad = client.post(
        "/api/v1/people/matches/", {"postcode": "LE"}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"family_name", "postcode"}
