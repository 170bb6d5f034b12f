"""The partnership boundary (SPEC T6): with two partnerships in one deployment, no user of
one sees any record, person, file, name or count of the other - through any list, search,
report, export, hotspot, statistics, audit, register, retention or subject-access page, or
the API - whatever their group, in both directions. Records of the other partnership answer
404 as missing ones do.

The example partnership (`partnership`) and a second one (`second_partnership`, invented
"Northmoor") each hold incidents with people of a surname only they use. Every user of
every group of three organisations on each side walks the pages and API and must not meet
any of the other side's markers: references, surname, words of descriptions, names of
organisations and areas.
"""

import pytest
from django.urls import reverse

from access import policy
from access.models import UserGroup
from incidents.models import Incident
from incidents.services import log_complaint
from people.models import Person
from people.services import involve
from reports.views.common import SESSION_KEY
from tests.access.second_partnership import SURNAME as SECOND_SURNAME

FIRST_SURNAME = "Wrexlingholme"
FIRST = {
    "police": "Leicestershire Police",
    "district": "Blaby District Council",
    "city": "Leicester City Council",
}
SECOND = ("police", "council", "housing")
GROUPS = list(UserGroup.values)
ROWS = [f"first.{org}.{group}" for org in FIRST for group in GROUPS] + [
    f"second.{org}.{group}" for org in SECOND for group in GROUPS
]

# What must never be seen of each side from the other: names of its organisations and
# areas, its people's surname and the words of its descriptions (references are added).
FIRST_MARKERS = ["Leicestershire", "Blaby", "Rutland", "Charnwood", FIRST_SURNAME, "Shireonly"]
SECOND_MARKERS = ["Northmoor", "Eastdale", SECOND_SURNAME]

# Every page and API list a user may reach without naming a record (GET).
PAGES = [
    "home",
    "dashboard",
    "inbox",
    "closure-queue",
    "search",
    "report",
    "hotspots",
    "statistics",
    "statistics-csv",
    "retention-queue",
    "inactive-records",
    "inactive-records-export",
    "subject-access",
    "audit-events",
    "audit-mine",
    "disclosures",
    "disclosure-report",
    "breaches",
    "administration",
    "admin-users",
    "log-complaint",
    "person-search",
]
API_LISTS = [
    "incidents",
    "entries",
    "tasks",
    "alerts",
    "documents",
    "risk-assessments",
    "people",
    "involvements",
    "reports/saved",
]


@pytest.fixture
def first_records(partnership, make_user) -> dict[str, Incident]:
    """Incidents of the example partnership: in Blaby, the City and Melton (police-led),
    and a Confidential one in Blaby, each with a person of FIRST_SURNAME."""
    blaby = make_user(FIRST["district"], UserGroup.OPERATIONAL)
    city = make_user(FIRST["city"], UserGroup.OPERATIONAL)
    police = make_user(FIRST["police"], UserGroup.OPERATIONAL)
    areas = partnership.areas
    records = {
        "blaby": log_complaint(by=blaby, area=areas["Blaby"], description="Shireonly noise"),
        "city": log_complaint(
            by=city, area=areas["Leicester City"], description="Shireonly litter"
        ),
        "police": log_complaint(by=police, area=areas["Melton"], description="Shireonly bikes"),
        "confidential": log_complaint(
            by=blaby,
            area=areas["Blaby"],
            description="Shireonly threats",
            marking=Incident.Marking.CONFIDENTIAL,
        ),
    }
    for name, incident in records.items():
        by = {"city": city, "police": police}.get(name, blaby)
        involve(
            incident,
            by=by,
            role="victim",
            person_fields={"given_name": f"Bo{name.title()}", "family_name": FIRST_SURNAME},
        )
    return records


def _user(row, make_user, second_partnership):
    side, organisation, group = row.split(".")
    if side == "first":
        return make_user(FIRST[organisation], group)
    return second_partnership.user(group, organisation)


def _others(row, first_records, second_partnership) -> tuple[list[Incident], list[str]]:
    if row.startswith("first."):
        incidents = list(second_partnership.incidents.values())
        return incidents, SECOND_MARKERS + [i.urn for i in incidents]
    incidents = list(first_records.values())
    return incidents, FIRST_MARKERS + [i.urn for i in incidents]


def _responses(client, user, other_surname: str, other_words: str):
    """(what was asked, response) for every page, search, report, export and API list."""
    for name in PAGES:
        yield name, client.get(reverse(name))
    for name in API_LISTS:
        yield f"api {name}", client.get(f"/api/v1/{name}/?page_size=100")
    for kind, text in (("incidents", other_words), ("locations", other_words)):
        yield f"search {kind}", client.post(reverse("search"), {"kind": kind, "text": text})
    yield (
        "search people",
        client.post(reverse("search"), {"kind": "people", "family_name": other_surname}),
    )
    yield (
        "api search",
        client.post(
            "/api/v1/search/",
            {"kind": "people", "family_name": other_surname},
            content_type="application/json",
        ),
    )
    yield (
        "api incident search",
        client.post(
            "/api/v1/search/", {"kind": "incidents", "text": other_words}, "application/json"
        ),
    )
    for subject in ("incidents", "people"):
        yield f"report {subject}", client.post(reverse("report"), {"subject": subject})
        yield (
            f"export {subject}",
            client.post(reverse("report-export"), {"subject": subject, "format": "csv"}),
        )
    yield (
        "api report",
        client.post("/api/v1/reports/run/", {"subject": "incidents"}, "application/json"),
    )
    yield (
        "subject access search",
        client.post(reverse("subject-access"), {"family_name": other_surname}),
    )
    yield (
        "person matches",
        client.get(f"/api/v1/people/matches/?family_name={other_surname}&given_name=A"),
    )


def _body(response) -> str:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


@pytest.mark.parametrize("row", ROWS)
def test_nothing_crosses_the_partnership_boundary(
    row, client, make_user, first_records, second_partnership
):
    user = _user(row, make_user, second_partnership)
    other_incidents, markers = _others(row, first_records, second_partnership)
    other_surname = SECOND_SURNAME if row.startswith("first.") else FIRST_SURNAME
    # A word of the other side's descriptions that is not itself a marker (a search page
    # shows back what was typed).
    other_words = "graffiti" if row.startswith("first.") else "litter"

    # 1. The policy: no action on any of the other side's incidents, no person, no area.
    for action in policy.Action:
        reachable = Incident.objects.for_user(user, action).filter(
            pk__in=[i.pk for i in other_incidents]
        )
        assert not reachable.exists(), f"{row}: {action} reaches the other partnership"
    assert not policy.visible_people(user).filter(family_name=other_surname).exists()
    assert not policy.subject_access_people(user).filter(family_name=other_surname).exists()
    assert not policy.recording_areas(user).filter(name__in=markers).exists()

    # 2. Every page, search, report, export and API list.
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = "Checking the partnership boundary"
    session.save()
    seen = []
    for asked, response in _responses(client, user, other_surname, other_words):
        assert response.status_code < 500, f"{row}: {asked} gave {response.status_code}"
        if response.status_code != 200:
            continue
        # The search forms show back the surname typed: that is not a leak.
        body = _body(response).replace(f'value="{other_surname}"', "")
        seen.append(asked)
        leaked = [marker for marker in markers if marker in body]
        assert not leaked, f"{row}: {asked} shows {leaked}"
    assert seen, f"{row}: no page answered at all, so nothing was checked"

    # 3. The other side's records and people answer 404 as missing ones do, page and API.
    for incident in other_incidents:
        assert client.get(reverse("incident-detail", args=[incident.urn])).status_code == 404
        assert client.get(f"/api/v1/incidents/{incident.urn}/").status_code == 404
        assert client.get(reverse("incident-print", args=[incident.urn])).status_code == 404
    for person in Person.objects.filter(family_name=other_surname):
        assert client.get(reverse("person-detail", args=[person.pk])).status_code == 404
        assert client.get(f"/api/v1/people/{person.pk}/").status_code == 404


@pytest.mark.parametrize("side", ["first", "second"])
def test_police_see_every_area_of_their_own_force_only(
    side, make_user, first_records, second_partnership
):
    """G3: a police user sees every area of their force, never another force's."""
    if side == "first":
        officer = make_user(FIRST["police"], UserGroup.OPERATIONAL)
        own = {first_records[k].pk for k in ("blaby", "city", "police")}
        other = {i.pk for i in second_partnership.incidents.values()}
    else:
        officer = second_partnership.user(UserGroup.OPERATIONAL, "police")
        own = {second_partnership.incidents[k].pk for k in ("open", "police")}
        other = {i.pk for i in first_records.values()}
    visible = set(Incident.objects.for_user(officer, "view").values_list("pk", flat=True))
    assert own <= visible
    assert not visible & other


def test_county_wide_reporting_means_the_users_own_partnership(
    make_user, first_records, second_partnership
):
    for analyst, own, other in (
        (
            make_user(FIRST["district"], UserGroup.ANALYST),
            {first_records[k].pk for k in ("blaby", "city", "police")},
            {i.pk for i in second_partnership.incidents.values()},
        ),
        (
            second_partnership.user(UserGroup.ANALYST, "council"),
            {second_partnership.incidents[k].pk for k in ("open", "police")},
            {i.pk for i in first_records.values()},
        ),
    ):
        reported = set(policy.reportable_incidents(analyst).values_list("pk", flat=True))
        assert own <= reported
        assert not reported & other


def test_an_explicit_share_is_the_only_way_across(make_user, first_records, second_partnership):
    from access.services import share_incident

    blaby_officer = make_user(FIRST["district"], UserGroup.OPERATIONAL)
    stranger = second_partnership.user(UserGroup.OPERATIONAL, "police")
    incident = first_records["blaby"]
    assert not policy.can(stranger, "view", incident)
    share_incident(incident, by=blaby_officer, with_user=stranger, reason="Cross-border case")
    assert policy.can(stranger, "view", incident)
    # ... and it opens that one case, nothing else of the partnership.
    visible = set(Incident.objects.for_user(stranger, "view").values_list("pk", flat=True))
    assert visible & {i.pk for i in first_records.values()} == {incident.pk}


def test_a_complaint_cannot_be_recorded_in_the_other_partnerships_area(
    client, make_user, partnership, second_partnership
):
    from django.core.exceptions import ValidationError

    officer = make_user(FIRST["district"], UserGroup.OPERATIONAL)
    with pytest.raises(ValidationError) as refused:
        log_complaint(
            by=officer, area=second_partnership.areas["Northmoor City"], description="Nope"
        )
    assert "area" in refused.value.message_dict
    client.force_login(officer)
    response = client.post(
        "/api/v1/incidents/",
        {"area": "Northmoor City", "description": "Nope", "category": "nuisance"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "area" in response.json()
    assert not Incident.objects.filter(description="Nope").exists()
