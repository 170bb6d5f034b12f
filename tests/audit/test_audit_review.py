"""Reviewing the audit trail (SPEC A4): who may, whose events they see, the filters (user,
record, period, event type, outcome), paging, the CSV export, one user's trail, a reporting
user's own use - and that every review is itself audited."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from faker import Faker

from access.models import UserGroup
from audit import queries
from audit.models import AuditEvent
from audit.services import record_event
from common.exports import marking_label
from incidents.models import Incident
from people.models import Involvement, Person
from tests.incidents.factories import IncidentFactory

from .review_support import (
    BLABY,
    GROUP_IDS,
    GROUPS,
    HOST,
    RUTLAND,
    make_group_user,
    review,
    signed_in,
)

Type = AuditEvent.Type
fake = Faker("en_GB")
REVIEWERS = {"analyst", "administrator", "deployment-wide administrator"}


def shown_events(response) -> list[AuditEvent]:
    return [row["event"] for row in response.context["rows"]]


def urn() -> str:
    return f"ASB-2026-{fake.unique.random_int(100000, 999999)}"


@pytest.fixture
def people(make_user):
    return {
        "blaby_officer": make_user(BLABY, UserGroup.OPERATIONAL, username="blaby.officer"),
        "blaby_admin": make_user(BLABY, UserGroup.ADMINISTRATOR, username="blaby.admin"),
        "blaby_analyst": make_user(BLABY, UserGroup.ANALYST, username="blaby.analyst"),
        "rutland_officer": make_user(RUTLAND, UserGroup.OPERATIONAL, username="rutland.officer"),
        "host_admin": make_user(
            HOST, UserGroup.ADMINISTRATOR, username="host.admin", manages_all_organisations=True
        ),
    }


# --- Who may use the pages -----------------------------------------------------------------------


@pytest.mark.parametrize(("label", "group", "everywhere"), GROUPS, ids=GROUP_IDS)
def test_every_group_gets_the_audit_pages_or_not_found(
    client, make_user, label, group, everywhere
):
    user = make_group_user(make_user, BLABY, group, everywhere)
    colleague = make_user(BLABY, UserGroup.OPERATIONAL)
    signed_in(client, user)
    reviewer = label in REVIEWERS

    expected = 200 if reviewer else 404
    assert client.get(reverse("audit-events")).status_code == expected
    assert review(client).status_code == expected
    assert client.get(reverse("audit-user", args=[colleague.pk])).status_code == expected
    assert review(client, reverse("audit-user", args=[colleague.pk])).status_code == expected
    export = review(client, reverse("audit-export"))
    assert export.status_code == expected
    if reviewer:
        assert export["Content-Type"].startswith("text/csv")
    # Every reviewer here is also a user of the ad-hoc reporting module.
    assert client.get(reverse("audit-mine")).status_code == expected


def test_signed_out_visitors_are_sent_to_sign_in(client, people):
    for url in (
        reverse("audit-events"),
        reverse("audit-mine"),
        reverse("audit-user", args=[people["blaby_officer"].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "sign-in" in response["Location"]


@pytest.mark.parametrize("reviewer", ["blaby_admin", "blaby_analyst"])
def test_a_reviewer_cannot_open_another_organisations_users_trail(client, people, reviewer):
    signed_in(client, people[reviewer])
    outsider = people["rutland_officer"]

    response = client.get(reverse("audit-user", args=[outsider.pk]))
    missing = client.get(reverse("audit-user", args=[999999]))

    assert response.status_code == 404 and missing.status_code == 404
    denied = AuditEvent.objects.filter(event_type=Type.ACCESS_DENIED).order_by("id")
    assert [(e.target_type, e.target_id) for e in denied] == [
        ("user", str(outsider.pk)),
        ("user", "999999"),
    ]
    assert all(e.actor == people[reviewer] for e in denied)
    assert not AuditEvent.objects.filter(event_type=Type.AUDIT_REVIEWED).exists()


def test_a_deployment_wide_administrator_opens_any_users_trail(client, people):
    signed_in(client, people["host_admin"])
    response = client.get(reverse("audit-user", args=[people["rutland_officer"].pk]))
    assert response.status_code == 200
    assert "Audit trail for" in response.content.decode()


# --- Whose events are shown ----------------------------------------------------------------------


def test_an_administrator_sees_only_their_organisations_events(client, people):
    blaby = record_event(Type.SEARCH, actor=people["blaby_officer"], justification="Blaby")
    rutland = record_event(Type.SEARCH, actor=people["rutland_officer"], justification="Rut")

    signed_in(client, people["blaby_admin"])
    shown = shown_events(review(client, event_types=[Type.SEARCH]))

    assert blaby in shown and rutland not in shown
    # ... nor among the users offered in the filter, nor through a forged choice.
    choices = review(client).context["form"].fields["user"].choices
    offered = {pk for _org, users in choices[1:] for pk, _label in users}
    assert people["rutland_officer"].pk not in offered
    assert people["blaby_officer"].pk in offered
    forged = review(client, user=str(people["rutland_officer"].pk))
    assert forged.context["form"].errors["user"] == ["Choose a user from the list."]


def test_an_analyst_sees_their_organisations_events(client, people):
    blaby = record_event(Type.SEARCH, actor=people["blaby_officer"])
    rutland = record_event(Type.SEARCH, actor=people["rutland_officer"])
    signed_in(client, people["blaby_analyst"])
    shown = shown_events(review(client, event_types=[Type.SEARCH]))
    assert blaby in shown and rutland not in shown


def test_a_deployment_wide_administrator_sees_every_organisations_events(client, people):
    blaby = record_event(Type.SEARCH, actor=people["blaby_officer"])
    rutland = record_event(Type.SEARCH, actor=people["rutland_officer"])
    anonymous = record_event(Type.SIGN_IN_FAILED, actor_label="nobody", outcome="failure")
    signed_in(client, people["host_admin"])
    shown = shown_events(review(client, event_types=[Type.SEARCH, Type.SIGN_IN_FAILED]))
    assert {blaby, rutland, anonymous} <= set(shown)


# --- Filters -------------------------------------------------------------------------------------


def test_filter_by_user_shows_what_they_did_and_what_was_done_to_their_account(client, people):
    officer, admin = people["blaby_officer"], people["blaby_admin"]
    theirs = record_event(Type.SEARCH, actor=officer)
    about_them = record_event(
        Type.ACCOUNT_LOCKED,
        actor=None,
        organisation=officer.organisation,
        target=("user", officer.pk),
        outcome="denied",
    )
    failed = record_event(
        Type.SIGN_IN_FAILED,
        actor_label=officer.username,
        organisation=officer.organisation,
        outcome="failure",
    )
    someone_else = record_event(Type.SEARCH, actor=people["blaby_analyst"])

    signed_in(client, admin)
    shown = shown_events(review(client, user=str(officer.pk)))

    assert set(shown) == {theirs, about_them, failed}
    assert someone_else not in shown


def test_filter_by_record(client, people, partnership):
    officer = people["blaby_officer"]
    # Records the reviewer may see: narrowed to a record they may not see (or one that does
    # not exist), the review shows only their own events (tests/audit/test_review_masking.py).
    wanted, other = (
        IncidentFactory(created_by=officer, area=partnership.areas["Blaby"]).urn for _ in "ab"
    )
    someone = Person.objects.create(given_name="Sam", family_name="Hill", created_by=officer)
    Involvement.objects.create(
        incident=Incident.objects.get(urn=wanted),
        person=someone,
        role=Involvement.Role.WITNESS,
        created_by=officer,
    )
    viewed = record_event(Type.INCIDENT_VIEWED, actor=officer, target=("incident", wanted))
    updated = record_event(Type.INCIDENT_UPDATED, actor=officer, target=("incident", wanted))
    record_event(Type.INCIDENT_VIEWED, actor=officer, target=("incident", other))
    person = record_event(Type.PERSON_VIEWED, actor=officer, target=("person", someone.pk))

    signed_in(client, people["blaby_admin"])
    by_incident = review(client, target_type="incident", target_id=f" {wanted.lower()} ")
    by_person = review(client, target_type="person", target_id=str(someone.pk))
    every_person = review(client, target_type="person")

    assert shown_events(by_incident) == [updated, viewed]  # newest first
    assert shown_events(by_person) == [person]
    assert shown_events(every_person) == [person]


def test_a_record_reference_needs_its_kind_and_a_number_for_non_incidents(client, people):
    signed_in(client, people["blaby_admin"])
    no_kind = review(client, target_id="ASB-2026-000001")
    not_a_number = review(client, target_type="person", target_id="Smith")
    assert no_kind.context["form"].errors["target_type"] == [
        "Choose what kind of record the reference is for."
    ]
    assert not_a_number.context["form"].errors["target_id"] == [
        "Enter the record's number, like 42."
    ]
    # What was typed is still in the form, and nothing was reviewed.
    assert 'value="ASB-2026-000001"' in no_kind.content.decode()
    assert 'value="Smith"' in not_a_number.content.decode()
    assert "rows" not in no_kind.context
    assert not AuditEvent.objects.filter(event_type=Type.AUDIT_REVIEWED).exists()


def test_filter_by_period_counts_whole_uk_days(client, people):
    officer = people["blaby_officer"]
    # 23:30 UTC on 31 May 2026 is 00:30 on 1 June in London (summer time).
    with time_machine.travel(datetime.datetime(2026, 5, 31, 23, 30, tzinfo=datetime.UTC)):
        june_first = record_event(Type.SEARCH, actor=officer)
    with time_machine.travel(datetime.datetime(2026, 5, 31, 22, 30, tzinfo=datetime.UTC)):
        may_last = record_event(Type.SEARCH, actor=officer)
    with time_machine.travel(datetime.datetime(2026, 6, 10, 12, 0, tzinfo=datetime.UTC)):
        later = record_event(Type.SEARCH, actor=officer)

    signed_in(client, people["blaby_admin"])
    june = review(client, date_from="2026-06-01", date_to="2026-06-09", event_types=["search"])
    may = review(client, date_from="2026-05-01", date_to="2026-05-31", event_types=["search"])
    backwards = review(client, date_from="2026-06-09", date_to="2026-06-01")

    assert shown_events(june) == [june_first]
    assert shown_events(may) == [may_last]
    assert later not in shown_events(june)
    assert backwards.context["form"].errors["date_to"] == [
        "The end date must be the same as or after the start."
    ]


def test_the_default_period_is_the_last_30_days(client, people):
    officer = people["blaby_officer"]
    with time_machine.travel(timezone.now() - datetime.timedelta(days=40)):
        old = record_event(Type.SEARCH, actor=officer)
    recent = record_event(Type.SEARCH, actor=officer)
    signed_in(client, people["blaby_admin"])
    shown = shown_events(client.get(reverse("audit-events")))
    assert recent in shown and old not in shown


def test_filter_by_event_type_kind_and_outcome(client, people):
    officer = people["blaby_officer"]
    search = record_event(Type.SEARCH, actor=officer)
    export = record_event(Type.EXPORTED, actor=officer)
    view = record_event(Type.INCIDENT_VIEWED, actor=officer, target=("incident", urn()))
    denied = record_event(
        Type.ACCESS_DENIED, actor=officer, target=("incident", urn()), outcome="denied"
    )

    signed_in(client, people["blaby_admin"])
    by_type = shown_events(review(client, event_types=[Type.EXPORTED]))
    by_kind = shown_events(review(client, event_groups=["reporting"]))
    kind_and_type = shown_events(
        review(client, event_groups=["reporting"], event_types=[Type.INCIDENT_VIEWED])
    )
    by_outcome = shown_events(review(client, outcome="denied", user=str(officer.pk)))

    assert by_type == [export]
    assert set(by_kind) == {search, export}
    assert set(kind_and_type) == {search, export, view}
    assert by_outcome == [denied]


def test_the_grouped_summary_counts_every_matching_event(client, people):
    officer = people["blaby_officer"]
    for _ in range(3):
        record_event(Type.SEARCH, actor=officer)
    record_event(Type.EXPORTED, actor=officer)
    record_event(Type.INCIDENT_VIEWED, actor=officer, target=("incident", urn()))
    signed_in(client, people["blaby_admin"])

    summary = review(client, user=str(officer.pk)).context["summary"]

    counts = {
        group.key: (group.total, {t.event_type: t.count for t in group.types}) for group in summary
    }
    assert counts["reporting"] == (4, {Type.SEARCH: 3, Type.EXPORTED: 1})
    assert counts["cases"] == (1, {Type.INCIDENT_VIEWED: 1})


def test_every_event_type_belongs_to_a_named_group():
    assert [value for value in Type.values if queries.group_of(value) == "other"] == []


# --- Paging and query counts ---------------------------------------------------------------------


def test_results_are_paged_fifty_at_a_time_by_posted_buttons(client, people):
    officer = people["blaby_officer"]
    events = [record_event(Type.SEARCH, actor=officer) for _ in range(51)]
    signed_in(client, people["blaby_admin"])

    first = review(client, event_types=[Type.SEARCH])
    second = review(client, event_types=[Type.SEARCH], page="2")

    assert shown_events(first) == events[::-1][:50]
    assert shown_events(second) == [events[0]]
    assert 'name="page" value="2"' in first.content.decode()
    reviewed = AuditEvent.objects.filter(event_type=Type.AUDIT_REVIEWED).order_by("id")
    assert [e.details["page"] for e in reviewed] == [1, 2]


def _queries(client, url=None, **data) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = review(client, url, **data)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("reviewer", ["blaby_admin", "host_admin", "blaby_analyst"])
def test_the_review_page_makes_the_same_queries_for_one_event_or_many(client, people, reviewer):
    signed_in(client, people[reviewer])
    officer, colleague = people["blaby_officer"], people["blaby_analyst"]
    record_event(Type.SEARCH, actor=officer)
    one = _queries(client, event_types=[Type.SEARCH])
    for index in range(30):
        record_event(
            Type.EXPORTED if index % 2 else Type.SEARCH,
            actor=colleague if index % 3 else officer,
            target=("incident", urn()),
            details={"row_count": index, "filters": {"area": "Blaby"}},
        )
    many = _queries(client, event_types=[Type.SEARCH, Type.EXPORTED])
    assert one == many


def test_a_users_trail_makes_the_same_queries_for_one_event_or_many(client, people):
    officer = people["blaby_officer"]
    signed_in(client, people["blaby_admin"])
    url = reverse("audit-user", args=[officer.pk])
    record_event(Type.SEARCH, actor=officer)
    one = _queries(client, url)
    for _ in range(20):
        record_event(Type.INCIDENT_VIEWED, actor=officer, target=("incident", urn()))
    assert _queries(client, url) == one


# --- The review is audited -----------------------------------------------------------------------


def test_each_page_of_results_is_recorded_with_its_filters(client, people):
    admin, officer = people["blaby_admin"], people["blaby_officer"]
    wanted = urn()
    record_event(Type.INCIDENT_VIEWED, actor=officer, target=("incident", wanted))
    signed_in(client, admin)

    review(
        client,
        user=str(officer.pk),
        target_type="incident",
        target_id=wanted,
        date_from="2026-01-01",
        date_to="2026-12-31",
        event_groups=["cases"],
        outcome="success",
        REMOTE_ADDR="192.0.2.7",
    )

    event = AuditEvent.objects.get(event_type=Type.AUDIT_REVIEWED)
    assert event.actor == admin
    assert event.organisation == admin.organisation
    assert (event.target_type, event.target_id) == ("audit", "")
    assert event.outcome == AuditEvent.Outcome.SUCCESS
    filters = event.details["filters"]
    assert filters["user"] == officer.pk
    assert (filters["target_type"], filters["target_id"]) == ("incident", wanted)
    assert (filters["from"], filters["to"]) == ("2026-01-01", "2026-12-31")
    assert Type.INCIDENT_VIEWED in filters["event_types"]
    assert filters["outcome"] == "success"
    assert event.details["page"] == 1


def test_a_users_trail_is_recorded_against_that_user(client, people):
    admin, officer = people["blaby_admin"], people["blaby_officer"]
    signed_in(client, admin)
    response = client.get(reverse("audit-user", args=[officer.pk]))

    assert f"Audit trail for {officer}" in response.content.decode()
    event = AuditEvent.objects.get(event_type=Type.AUDIT_REVIEWED)
    assert (event.target_type, event.target_id) == ("user", str(officer.pk))
    assert event.actor == admin and event.organisation == admin.organisation
    assert event.details["filters"]["user"] == officer.pk


def test_a_users_trail_shows_sign_ins_failures_and_lockouts(client, people):
    officer = people["blaby_officer"]
    signed_in(client, officer)  # a real sign-in: SIGNED_IN with the officer as actor
    client.logout()
    failed = record_event(
        Type.SIGN_IN_FAILED,
        actor_label=officer.username,
        organisation=officer.organisation,
        outcome="failure",
    )
    locked = record_event(
        Type.ACCOUNT_LOCKED,
        organisation=officer.organisation,
        target=("user", officer.pk),
        outcome="denied",
    )
    unrelated = record_event(Type.SEARCH, actor=people["blaby_analyst"])

    signed_in(client, people["blaby_admin"])
    response = client.get(reverse("audit-user", args=[officer.pk]))

    shown = shown_events(response)
    types = {event.event_type for event in shown}
    assert {Type.SIGNED_IN, Type.SIGNED_OUT} <= types
    assert failed in shown and locked in shown and unrelated not in shown
    page = response.content.decode()
    assert "Sign-in failed" in page and "Account locked after failed sign-ins" in page


def test_an_analyst_reviews_a_colleagues_trail(client, people):
    record_event(Type.SEARCH, actor=people["blaby_officer"], justification="Repeat victims")
    signed_in(client, people["blaby_analyst"])
    response = review(client, reverse("audit-user", args=[people["blaby_officer"].pk]))
    assert [e.justification for e in shown_events(response)] == ["Repeat victims"]


# --- Export --------------------------------------------------------------------------------------


def test_the_export_holds_every_matching_event_neutralised_and_is_recorded(client, people):
    officer = people["blaby_officer"]
    events = [
        record_event(Type.SEARCH, actor=officer, justification=f"Purpose {index}")
        for index in range(55)
    ]
    formula = record_event(Type.EXPORTED, actor=officer, justification="=HYPERLINK(1)")
    record_event(Type.SEARCH, actor=people["rutland_officer"], justification="Not ours")
    signed_in(client, people["blaby_admin"])

    response = review(
        client, reverse("audit-export"), user=str(officer.pk), event_groups=["reporting"]
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="sentinel-audit-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [marking_label("restricted")]
    header, body = rows[1], rows[2:]
    assert header[:3] == ["Time (UTC)", "Time (UK)", "Username"]
    assert len(body) == len(events) + 1  # every page, not only the first fifty
    justifications = [row[header.index("Justification")] for row in body]
    assert justifications[0] == "'=HYPERLINK(1)"
    assert "Not ours" not in justifications
    assert body[0][header.index("Time (UTC)")] == formula.occurred_at.astimezone(
        datetime.UTC
    ).strftime("%Y-%m-%d %H:%M:%S")

    exported = AuditEvent.objects.get(event_type=Type.EXPORTED, actor=people["blaby_admin"])
    assert exported.organisation == people["blaby_admin"].organisation
    assert (exported.target_type, exported.target_id) == ("audit", "")
    assert exported.details["kind"] == "audit"
    assert exported.details["row_count"] == 56
    assert exported.details["filters"]["user"] == officer.pk
    assert not AuditEvent.objects.filter(event_type=Type.AUDIT_REVIEWED).exists()


def test_an_export_with_bad_filters_shows_the_form_with_errors(client, people):
    signed_in(client, people["blaby_admin"])
    response = review(
        client,
        reverse("audit-export"),
        date_from_day="31",
        date_from_month="2",
        date_from_year="2026",
    )
    assert response.status_code == 200
    assert response.context["form"].errors["date_from"] == ["The start date must be a real date."]
    page = response.content.decode()
    assert 'name="date_from_day" value="31"' in page and 'name="date_from_month" value="2"' in page
    assert not AuditEvent.objects.filter(event_type=Type.EXPORTED).exists()


def test_the_export_is_only_a_post(client, people):
    signed_in(client, people["blaby_admin"])
    assert client.get(reverse("audit-export")).status_code == 405


# --- A reporting user's own use ------------------------------------------------------------------


def test_a_reporting_user_sees_a_summary_of_their_own_use(client, people):
    analyst = people["blaby_analyst"]
    with time_machine.travel(timezone.now() - datetime.timedelta(days=60)):
        record_event(Type.REPORT_RUN, actor=analyst, justification="Old purpose")
    with time_machine.travel(timezone.now() - datetime.timedelta(days=120)):
        record_event(Type.REPORT_RUN, actor=analyst, justification="Too old to count")
    for _ in range(2):
        record_event(Type.SEARCH, actor=analyst, justification="Hotspot review")
    record_event(Type.EXPORTED, actor=analyst, justification="Hotspot review")
    record_event(Type.SEARCH, actor=people["blaby_officer"], justification="Someone else's")

    signed_in(client, analyst)
    response = client.get(reverse("audit-mine"))

    assert response.status_code == 200
    summary = {
        row["event_type"]: (row["last_30"], row["last_90"]) for row in response.context["summary"]
    }
    assert summary[Type.SEARCH] == (2, 2)
    assert summary[Type.EXPORTED] == (1, 1)
    assert summary[Type.REPORT_RUN] == (0, 1)
    purposes = [row["event"].justification for row in response.context["rows"]]
    assert purposes[:3] == ["Hotspot review"] * 3
    assert "Someone else's" not in purposes
    assert "Old purpose" in purposes
    event = AuditEvent.objects.get(event_type=Type.AUDIT_REVIEWED)
    assert event.actor == analyst
    assert (event.target_type, event.target_id) == ("user", str(analyst.pk))


def test_own_use_lists_at_most_fifty_events_in_constant_queries(client, people):
    analyst = people["blaby_analyst"]
    signed_in(client, analyst)
    record_event(Type.SEARCH, actor=analyst)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("audit-mine"))
    for _ in range(60):
        record_event(Type.REPORT_RUN, actor=analyst, justification="Monthly review")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("audit-mine"))
    assert len(one) == len(many)
    assert len(response.context["rows"]) == 50
