"""The person page, the incident page's people card and the people API list run a fixed
number of queries, whatever the number of rows."""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access import policy
from access.models import UserGroup
from incidents.services import log_complaint
from people.services import involve
from people.views import detail_context

from .conftest import person_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(scenario):
    return scenario.user(UserGroup.OPERATIONAL)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_person_page_does_not_grow_with_involvements(client, officer, partnership):
    def person_in(n):
        person = None
        for i in range(n):
            incident = log_complaint(
                by=officer, area=partnership.areas["Blaby"], description=f"{i}"
            )
            if person is None:
                person = involve(
                    incident, by=officer, role="victim", person_fields=person_fields()
                ).person
            else:
                involve(incident, by=officer, role="victim", person=person)
        return person

    one, ten = person_in(1), person_in(10)
    client.force_login(officer)
    few = _queries(client, reverse("person-detail", args=[one.pk]))
    many = _queries(client, reverse("person-detail", args=[ten.pk]))
    assert few == many


def _section_queries(incident, user) -> tuple[int, str]:
    incident = policy.with_allowed_actions(
        type(incident).objects.filter(pk=incident.pk), user
    ).get()
    with CaptureQueriesContext(connection) as context:
        html = render_to_string("incidents/sections/people.html", detail_context(incident, user))
    return len(context.captured_queries), html


@pytest.mark.parametrize("rows", [1, 10])
def test_the_people_card_runs_one_query(officer, partnership, rows):
    incident = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Card")
    first = involve(incident, by=officer, role="victim", person_fields=person_fields())
    for i in range(rows - 1):
        role = "dependant" if i % 3 == 0 else "witness"
        involve(
            incident,
            by=officer,
            role=role,
            dependant_of=first if role == "dependant" else None,
            person_fields=person_fields(),
        )
    count, html = _section_queries(incident, officer)
    assert count == 1
    assert html.count('class="govuk-summary-list__row"') == rows
    assert "Add a person" in html


def test_the_people_card_shows_labels_flags_and_no_add_link_for_readers(scenario, people):
    from incidents.models import Incident

    incident = scenario.incidents["in_area"]
    Incident.objects.filter(pk=incident.pk).update(
        repeat_victim_flag=True, repeat_perpetrator_flag=True
    )
    analyst = scenario.user(UserGroup.ANALYST)
    loaded = policy.with_allowed_actions(Incident.objects.filter(pk=incident.pk), analyst).get()
    html = render_to_string("incidents/sections/people.html", detail_context(loaded, analyst))
    assert "Add a person" not in html
    assert html.count("Repeat victim") == 1
    assert html.count("Repeat perpetrator") == 1
    assert reverse("person-detail", args=[people.local.pk]) in html


def test_the_people_api_list_does_not_grow(client, officer, partnership):
    client.force_login(officer)
    incident = log_complaint(by=officer, area=partnership.areas["Blaby"], description="API")
    involve(incident, by=officer, role="victim", person_fields=person_fields())
    few = _queries(client, "/api/v1/people/")
    for _ in range(10):
        involve(incident, by=officer, role="witness", person_fields=person_fields())
    assert _queries(client, "/api/v1/people/") == few
    # Narrowed to one incident: session, user, the incident through the policy, its logged
    # view, and the page's count and rows - the same with 1 involvement or 11.
    other = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Small")
    involve(other, by=officer, role="victim", person_fields=person_fields())
    small = _queries(client, f"/api/v1/involvements/?incident={other.urn}")
    large = _queries(client, f"/api/v1/involvements/?incident={incident.urn}")
    assert small == large <= 8
