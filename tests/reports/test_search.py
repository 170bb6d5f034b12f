"""Basic search (SPEC S1): incidents, people and locations within the user's own scope,
terms in the POST body only, every search audited, constant queries.

The records are planted the way users add them (log_complaint, share_incident, involve)
around the access scenario (tests/access/scenario.py): Blaby users, an incident in Blaby,
one in Rutland that Blaby may not see, and one in Rutland shared with Blaby.
"""

import datetime
import re
from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from faker import Faker

from access import policy
from access.models import UserGroup
from access.services import share_incident
from audit.models import AuditEvent
from incidents.models import ComplaintDraft, Incident
from incidents.services import log_complaint, update_incident
from people.models import Person
from people.services import involve
from reports.views.search import incident_query, location_query
from tests.access.scenario import GROUPS
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db

fake = Faker("en_GB")

# Invented words and names, planted below.
WORD = "quagga"
UNUSUAL_GIVEN, UNUSUAL_FAMILY = "Evangelina", "Quillfeatherby"
SHARED_FAMILY = "Zellerbach"
MARLBOROUGH = "14 Marlborough Crescent, Narborough"
CRIME_REFERENCE = "LP/22041/26"


def needs_postgres():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL full-text search and pg_trgm (set DATABASE_URL)")


@dataclass
class Planted:
    near: Incident  # Blaby: WORD, "barked", the crime reference, at MARLBOROUGH
    near_again: Incident  # Blaby, also at MARLBOROUGH
    shared: Incident  # Rutland, shared with Blaby: WORD
    hidden: Incident  # Rutland, not shared: WORD, also at MARLBOROUGH
    unusual: Person  # in `near` only
    local: Person  # SHARED_FAMILY, in `near` only
    partner: Person  # SHARED_FAMILY, in `shared` only
    remote: Person  # SHARED_FAMILY, in `hidden` only


def _person(incident, by, family, given=None, **fields):
    return involve(
        incident,
        by=by,
        role="victim",
        person_fields={
            "given_name": given or fake.first_name(),
            "family_name": family,
            "date_of_birth": fake.date_of_birth(minimum_age=18, maximum_age=80),
            **fields,
        },
    ).person


@pytest.fixture
def officer(scenario):
    return scenario.user(UserGroup.OPERATIONAL)


@pytest.fixture
def planted(scenario, officer) -> Planted:
    areas, rutland = scenario.partnership.areas, scenario.rutland_officer
    near = log_complaint(
        by=officer,
        area=areas["Blaby"],
        description=f"A dog barked at the door all night; a {WORD} was painted on the wall.",
        address=MARLBOROUGH,
        postcode="le19 2ab",
        crime_reference=CRIME_REFERENCE,
    )
    near_again = log_complaint(
        by=officer,
        area=areas["Blaby"],
        description="Shouting in the street after midnight.",
        address=MARLBOROUGH,
        postcode="LE19 2AB",
    )
    shared = log_complaint(
        by=rutland,
        area=areas["Rutland"],
        description=f"The {WORD} graffiti again, near the county boundary.",
        address="2 Church Street, Oakham",
        postcode="LE15 6AA",
    )
    share_incident(
        shared,
        by=rutland,
        with_organisation=officer.organisation,
        level="view",
        reason="Same group of youths as in Blaby",
    )
    hidden = log_complaint(
        by=rutland,
        area=areas["Rutland"],
        description=f"A {WORD} sprayed on the library.",
        address=MARLBOROUGH,
        postcode="LE19 2AB",
        marking=Incident.Marking.CONFIDENTIAL,
    )
    return Planted(
        near=near,
        near_again=near_again,
        shared=shared,
        hidden=hidden,
        unusual=_person(
            near,
            officer,
            UNUSUAL_FAMILY,
            UNUSUAL_GIVEN,
            date_of_birth=datetime.date(1979, 2, 14),
            postcode="LE19 2AB",
        ),
        local=_person(near, officer, SHARED_FAMILY),
        partner=_person(shared, rutland, SHARED_FAMILY),
        remote=_person(hidden, rutland, SHARED_FAMILY),
    )


def search(client, kind="incidents", text="", **people):
    return client.post(reverse("search"), {"kind": kind, "text": text, **people})


def found(response) -> set:
    """URNs (incidents), person ids (people) or (postcode, address) (locations) found."""
    results = response.context["results"]
    assert results is not None, "no search was run"
    if results.kind == "incidents":
        return {incident.urn for incident in results.rows}
    if results.kind == "people":
        return {match.person.pk for match in results.rows}
    return {(place["postcode"], place["address"]) for place in results.rows}


# --- Who may search, and over what ------------------------------------------------------------


@pytest.mark.parametrize("group", GROUPS)
def test_operational_users_and_above_may_search_basic_users_get_404(client, scenario, group):
    client.force_login(scenario.user(group))
    allowed = group != UserGroup.BASIC

    page = client.get(reverse("search"))
    # "Litter in Rutland" (out of area) and "Shared Rutland case" (shared with Blaby).
    posted = search(client, text="Rutland")

    assert page.status_code == (200 if allowed else 404)
    assert posted.status_code == (200 if allowed else 404)
    assert AuditEvent.objects.filter(event_type=AuditEvent.Type.SEARCH).count() == int(allowed)
    if allowed:
        assert found(posted) == {scenario.incidents["shared"].urn}
        assert scenario.incidents["out_of_area"].urn not in posted.content.decode()


def test_signed_out_users_are_sent_to_sign_in(client):
    response = client.get(reverse("search"))
    assert response.status_code == 302
    assert "/search/" not in response.url.split("?")[0]


def test_an_operational_users_search_stays_in_their_own_scope(client, officer, planted):
    client.force_login(officer)

    incidents = search(client, text=WORD)
    people = search(client, "people", family_name=SHARED_FAMILY)
    places = search(client, "locations", text="LE19 2AB")
    by_reference = search(client, text=planted.hidden.urn)

    assert found(incidents) == {planted.near.urn, planted.shared.urn}
    assert found(people) == {planted.local.pk, planted.partner.pk}
    assert found(places) == {("LE19 2AB", MARLBOROUGH)}
    assert places.context["results"].rows[0]["incident_count"] == 2
    assert found(by_reference) == set()
    for response in (incidents, places):
        assert planted.hidden.urn not in response.content.decode()
    assert f"/incidents/{planted.hidden.urn}/" not in by_reference.content.decode()
    assert planted.remote.family_name == SHARED_FAMILY
    assert f"/people/{planted.remote.pk}/" not in people.content.decode()


def test_an_analysts_basic_search_is_limited_to_their_own_organisations_scope(
    client, scenario, planted
):
    analyst = scenario.user(UserGroup.ANALYST)
    chalked = log_complaint(
        by=scenario.rutland_officer,
        area=scenario.partnership.areas["Rutland"],
        description=f"A {WORD} chalked on the pavement.",
    )
    # The reporting module shows the analyst the Rutland incident (county-wide, not
    # Confidential) ...
    assert policy.reportable_incidents(analyst).filter(pk=chalked.pk).exists()
    client.force_login(analyst)

    # ... basic search does not: it is the analyst's own scope.
    assert found(search(client, text=WORD)) == {planted.near.urn, planted.shared.urn}
    assert found(search(client, "people", family_name=SHARED_FAMILY)) == {
        planted.local.pk,
        planted.partner.pk,
    }


# --- What it finds ----------------------------------------------------------------------------


def test_a_person_is_found_with_a_typo_in_their_family_name(client, officer, planted):
    client.force_login(officer)

    response = search(client, "people", given_name=UNUSUAL_GIVEN, family_name="Quilfeatherby")

    results = response.context["results"].rows
    assert results and results[0].person == planted.unusual
    page = response.content.decode()
    assert f'href="/people/{planted.unusual.pk}/"' in page
    assert "Name similar" in page


def test_people_are_found_by_date_of_birth_and_postcode(client, officer, planted):
    client.force_login(officer)

    response = search(
        client, "people", family_name="Featherby", date_of_birth="14/02/1979", postcode="le192ab"
    )

    assert planted.unusual.pk in found(response)
    assert response.context["results"].rows[0].person == planted.unusual


def test_incidents_are_found_by_a_word_of_what_happened(client, officer, planted):
    client.force_login(officer)
    assert found(search(client, text="barked")) == {planted.near.urn}
    assert found(search(client, text="Marlborough")) == {planted.near.urn, planted.near_again.urn}
    assert found(search(client, text="zebra")) == set()


@pytest.mark.postgres
def test_words_are_stemmed_on_postgresql(client, officer, planted):
    needs_postgres()
    client.force_login(officer)
    assert found(search(client, text="barking")) == {planted.near.urn}
    assert found(search(client, text="painting quaggas")) == {planted.near.urn}


def test_incidents_are_found_by_reference_and_crime_reference(client, officer, planted):
    client.force_login(officer)
    assert found(search(client, text=planted.near_again.urn)) == {planted.near_again.urn}
    assert found(search(client, text=planted.near_again.urn.lower())) == {planted.near_again.urn}
    assert found(search(client, text=CRIME_REFERENCE.lower())) == {planted.near.urn}


def test_locations_are_grouped_with_counts_and_the_latest_references(client, officer, planted):
    log_complaint(
        by=officer,
        area=planted.near.area,
        description="Bins set alight.",
        address="3 Coventry Road, Narborough",
        postcode="LE19 2AB",
    )
    client.force_login(officer)

    by_postcode = search(client, "locations", text="le19 2ab")
    by_outward_code = search(client, "locations", text="LE19")

    rows = by_postcode.context["results"].rows
    assert [(row["address"], row["incident_count"]) for row in rows] == [
        (MARLBOROUGH, 2),
        ("3 Coventry Road, Narborough", 1),
    ]
    # The latest first, each linked to its incident.
    assert rows[0]["urns"] == [planted.near_again.urn, planted.near.urn]
    page = by_postcode.content.decode()
    assert f'href="/incidents/{planted.near.urn}/"' in page
    assert found(by_outward_code) == found(by_postcode)
    assert found(search(client, "locations", text="Marlborough Crescent")) == {
        ("LE19 2AB", MARLBOROUGH)
    }
    assert found(search(client, "locations", text="LE15 6AA")) == {
        ("LE15 6AA", "2 Church Street, Oakham")
    }


@pytest.mark.postgres
def test_a_misspelt_street_finds_the_location_on_postgresql(client, officer, planted):
    needs_postgres()
    client.force_login(officer)
    assert found(search(client, "locations", text="Marlbrough Cresent")) == {
        ("LE19 2AB", MARLBOROUGH)
    }
    assert found(search(client, "locations", text="Coventry Road")) == set()


@pytest.mark.postgres
def test_the_search_vector_follows_an_update_of_the_description(client, officer, planted):
    needs_postgres()
    update_incident(
        planted.near_again,
        by=officer,
        expected_version=planted.near_again.version,
        description="Fireworks thrown at the bus shelter.",
    )
    client.force_login(officer)

    assert found(search(client, text="fireworks")) == {planted.near_again.urn}
    assert found(search(client, text="shouting")) == set()


# --- Markings, audit, URLs ---------------------------------------------------------------------


def test_the_page_carries_the_highest_marking_among_the_results(client, officer, planted):
    secret = log_complaint(
        by=officer,
        area=planted.near.area,
        description=f"A {WORD} again, reported in confidence.",
        marking=Incident.Marking.CONFIDENTIAL,
    )
    client.force_login(officer)

    assert client.get(reverse("search")).context["protective_marking"] == "restricted"
    assert search(client, text="barked").context["protective_marking"] == "restricted"
    response = search(client, text=WORD)
    assert secret.urn in found(response)
    assert response.context["protective_marking"] == "confidential"
    assert 'data-marking="confidential"' in response.content.decode()


def _urls(page: str) -> list[str]:
    return re.findall(r'(?:href|src|action|formaction)="([^"]*)"', page)


@pytest.mark.parametrize(
    "kind,terms,details",
    [
        ("incidents", {"text": WORD}, {"text": WORD}),
        ("locations", {"text": "Marlborough Crescent"}, {"text": "Marlborough Crescent"}),
    ],
)
def test_each_search_writes_one_audit_event_and_no_term_reaches_a_url(
    client, officer, planted, kind, terms, details
):
    client.force_login(officer)

    response = search(client, kind, **terms)

    events = AuditEvent.objects.filter(event_type=AuditEvent.Type.SEARCH)
    assert events.count() == 1
    event = events.get()
    assert event.actor == officer
    assert event.justification == "Basic search"
    assert event.details == {
        "kind": kind,
        "terms": details,
        "row_count": response.context["results"].total,
    }
    assert event.details["row_count"] >= 1
    assert response.request["REQUEST_METHOD"] == "POST"
    assert response.request["PATH_INFO"] == reverse("search")
    assert not response.request.get("QUERY_STRING")
    urls = _urls(response.content.decode())
    assert urls and reverse("search") in urls
    for word in terms["text"].split():
        assert not [url for url in urls if word.lower() in url.lower()]


def test_a_people_search_is_recorded_by_search_people_once(client, officer, planted):
    client.force_login(officer)

    response = search(client, "people", given_name=UNUSUAL_GIVEN, family_name="Quilfeatherby")

    event = AuditEvent.objects.get(event_type=AuditEvent.Type.SEARCH)
    assert event.actor == officer
    assert event.details["kind"] == "people"
    assert event.details["terms"]["family_name"] == "Quilfeatherby"
    assert event.details["results"] == [m.person.pk for m in response.context["results"].rows]
    urls = _urls(response.content.decode())
    assert not [url for url in urls if "featherby" in url.lower() or UNUSUAL_GIVEN in url]


def test_terms_in_the_query_string_are_ignored(client, officer, planted):
    client.force_login(officer)

    response = client.get(reverse("search"), {"kind": "incidents", "text": WORD})

    assert response.status_code == 200
    assert response.context["results"] is None
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.SEARCH).exists()
    assert planted.near.urn not in response.content.decode()


def test_the_page_links_to_hotspots_and_says_searches_are_recorded(client, officer):
    client.force_login(officer)
    page = client.get(reverse("search")).content.decode()
    assert f'href="{reverse("hotspots")}"' in page
    assert "Hotspots and repeats" in page
    assert "Searches are recorded" in page


# --- Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["incidents", "locations"])
def test_empty_text_is_a_field_error_and_the_choice_is_kept(client, officer, kind):
    client.force_login(officer)

    response = search(client, kind, text="   ", given_name="Kept")

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"text": ["Enter something to search for."]}
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#id_text"' in page
    assert 'id="id_text-error"' in page
    assert re.search(rf'value="{kind}"\s+checked', page)
    assert 'value="Kept"' in page  # the person's details are kept too, without errors
    assert "Enter their last name" not in page
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.SEARCH).exists()


def test_a_people_search_without_a_last_name_keeps_what_was_typed(client, officer):
    client.force_login(officer)

    response = search(
        client, "people", text="left over", given_name="Evangelina", postcode="LE19 2AB"
    )

    assert response.status_code == 200
    assert response.context["people_form"].errors == {"family_name": ["Enter their last name"]}
    page = response.content.decode()
    assert 'href="#id_family_name"' in page
    assert 'value="Evangelina"' in page
    assert 'value="left over"' in page
    assert re.search(r'value="people"\s+checked', page)
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.SEARCH).exists()


def test_overlong_text_is_refused_and_kept(client, officer):
    client.force_login(officer)
    typed = "x" * 201

    response = search(client, text=typed)

    assert response.context["form"].errors == {
        "text": ["Search terms must be 200 characters or fewer."]
    }
    assert f'value="{typed}"' in response.content.decode()


def test_more_than_the_limit_shows_the_limit_the_total_and_a_hint(
    client, officer, planted, monkeypatch
):
    monkeypatch.setattr("reports.views.search.RESULT_LIMIT", 2)
    for _ in range(2):
        log_complaint(by=officer, area=planted.near.area, description=f"Another {WORD}.")
    client.force_login(officer)

    response = search(client, text=WORD)

    results = response.context["results"]
    assert (results.total, len(results.rows)) == (4, 2)
    page = response.content.decode()
    assert "4 incidents found" in page
    assert "Showing the 2 best matches" in page
    assert "pagination" not in page
    assert AuditEvent.objects.get(event_type=AuditEvent.Type.SEARCH).details["row_count"] == 4


# --- Queries ------------------------------------------------------------------------------------


def _queries(client, **data) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.post(reverse("search"), data)
    assert response.status_code == 200
    assert response.context["results"] is not None
    return len(context.captured_queries)


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "incidents", "text": "ferret"},
        {"kind": "locations", "text": "LE19"},
        {"kind": "people", "family_name": "Ferreter"},
    ],
    ids=["incidents", "locations", "people"],
)
def test_a_result_page_runs_the_same_queries_for_one_or_ten_results(
    client, officer, partnership, django_assert_num_queries, data
):
    def add(n, start):
        for i in range(start, start + n):
            incident = log_complaint(
                by=officer,
                area=partnership.areas["Blaby"],
                description="A ferret loose in the flats.",
                address=f"{i} Ferret Lane, Narborough",
                postcode="LE19 2AB",
            )
            _person(incident, officer, "Ferreter")

    client.force_login(officer)
    add(1, 1)
    one = _queries(client, **data)
    assert len(client.post(reverse("search"), data).context["results"].rows) == 1
    add(9, 2)
    with django_assert_num_queries(one):
        response = client.post(reverse("search"), data)
    assert len(response.context["results"].rows) == 10
    assert one <= 12


# --- Indexes (PostgreSQL) -----------------------------------------------------------------------


def _plan(queryset) -> str:
    """EXPLAIN with sequential scans discouraged, so that a usable index shows up however
    small the test tables are. Plain index scans are discouraged too: on a table of a few
    rows the planner happily reads a whole btree (incident_newest_first, person_name) in
    the order wanted and filters as it goes, which says nothing about whether the search
    condition itself can use its index; a bitmap scan needs an indexable condition."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("ANALYZE incidents_incident, people_person, people_involvement")
        return queryset.explain()


@pytest.mark.postgres
def test_the_incident_text_search_uses_the_full_text_index(officer, planted):
    needs_postgres()
    assert "incident_search_gin" in _plan(incident_query(officer, "barking"))


@pytest.mark.postgres
def test_the_full_text_condition_itself_is_served_by_its_index(officer, planted):
    needs_postgres()
    from django.contrib.postgres.search import SearchQuery

    query = SearchQuery("barking", search_type="websearch", config="english")
    plan = _plan(policy.visible_incidents(officer).filter(search_vector=query))
    assert "incident_search_gin" in plan


@pytest.mark.postgres
def test_the_location_search_uses_the_address_trigram_index(officer, planted):
    needs_postgres()
    assert "incident_address_trgm" in _plan(location_query(officer, "Marlbrough Crescent"))


@pytest.mark.postgres
def test_the_person_candidate_query_uses_the_family_name_trigram_index(officer, planted):
    """people.matching._candidates_postgres filters on `family_name % 'typed'` (with the
    scope, and merged records left out: on a table of a handful of rows the planner rightly
    prefers the merged_into index for that, so it is not part of the check)."""
    needs_postgres()
    typed = "Quilfeatherby"
    assert "person_family_trgm" in _plan(Person.objects.filter(family_name__trigram_similar=typed))
    scoped = policy.visible_people(officer).filter(family_name__trigram_similar=typed)
    assert "person_family_trgm" in _plan(scoped)


# --- From the complaint forms -----------------------------------------------------------------


@pytest.mark.parametrize("group", [UserGroup.OPERATIONAL, UserGroup.BASIC])
def test_the_complaint_task_list_links_to_search_in_a_new_tab(client, scenario, group):
    client.force_login(scenario.user(group))
    assert client.post(reverse("log-complaint")).status_code == 302
    draft = ComplaintDraft.objects.latest("pk")

    page = client.get(reverse("complaint-tasks", args=[draft.pk])).content.decode()

    link = (
        f'<a class="govuk-link" href="{reverse("search")}" target="_blank" rel="noopener">'
        "Search existing records (opens in new tab)</a>"
    )
    assert (link in page) == (group != UserGroup.BASIC)
