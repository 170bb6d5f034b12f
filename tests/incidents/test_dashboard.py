"""The caseworker's dashboard (issue #4): who sees which section, what each section lists, and
a constant number of queries however full the sections are."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access import policy
from access.models import UserGroup
from incidents.models import CaseRules, Incident, RiskQuestion, WorkingSheetEntry
from incidents.queries import victim_update_deadline
from incidents.services import log_complaint
from incidents.services.closure import approve_closure, submit_for_closure
from incidents.services.risk import record_assessment
from incidents.services.tasks import complete_task, raise_task
from incidents.services.worksheet import add_entry
from tests.access.factories import PASSWORD
from tests.access.scenario import GROUPS
from tests.incidents.supervision import refer_as_high_risk_requires
from tests.support.two_factor import give_totp_device, next_code

# Every request: the session and the user (with their organisation); the group's
# permissions; the case rules; then one query per section (its rows and, by a window count,
# how many there are in all): closure queue, High risk, overdue, due, tasks, my cases.
EXPECTED_QUERIES = 10
SECTIONS = ["closure-queue", "high-risk", "overdue", "due", "tasks", "cases"]
NOT_BASIC = [group for group in GROUPS if group != UserGroup.BASIC]
DECIDERS = {UserGroup.ENHANCED, UserGroup.ADMINISTRATOR}


def dashboard(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def section(page: str, name: str) -> str:
    """The table of one section, or "" when the section has no rows (or is not shown)."""
    found = re.search(rf'<table [^>]*data-testid="dashboard-{name}">.*?</table>', page, re.S)
    return found.group(0) if found else ""


def urns(page: str, name: str) -> list[str]:
    return re.findall(r">(ASB-\d{4}-\d{6})<", section(page, name))


def make_high(incident, by):
    answers = {q.pk: True for q in RiskQuestion.objects.filter(active=True)}
    return record_assessment(incident, by=by, answers=answers)


def set_victim_clock(incident, days_ago: int) -> None:
    Incident.objects.filter(pk=incident.pk).update(
        victim_clock_from=timezone.now() - datetime.timedelta(days=days_ago)
    )


def submit(incident, by):
    return submit_for_closure(incident, by=by, summary="Visits done; it stopped.",
                              outcome="resolved")  # fmt: skip


def review_monitoring(incident, by, when):
    return add_entry(
        incident,
        by=by,
        kind=WorkingSheetEntry.Kind.MONITORING_REVIEW,
        text="Daily review: no new reports; victim spoken to.",
        occurred_at=when,
    )


@pytest.fixture
def officer(scenario):
    """Blaby's operational user: the lead officer of the scenario's in-area case."""
    return scenario.user(UserGroup.OPERATIONAL)


@pytest.fixture
def manager(scenario):
    return scenario.user(UserGroup.ENHANCED)


@pytest.fixture
def blaby(scenario):
    return scenario.partnership.areas["Blaby"]


# --- Who gets a dashboard ---------------------------------------------------------------------


def test_basic_users_are_sent_to_the_incidents_page(client, scenario):
    client.force_login(scenario.user(UserGroup.BASIC))
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url == reverse("home")


@pytest.mark.parametrize("group", GROUPS)
def test_signing_in_lands_on_the_dashboard_or_for_basic_users_the_incidents(
    client, scenario, group
):
    user = scenario.user(group)
    device = give_totp_device(user) if policy.requires_two_factor(user) else None
    response = client.post(
        reverse("sign-in"), {"username": user.username, "password": PASSWORD}, follow=True
    )
    if device is not None:  # administrators and analysts enter a two-factor code first (#6)
        code_step = response.redirect_chain[-1][0]
        assert code_step.startswith(reverse("two-factor"))
        response = client.post(code_step, {"otp_token": next_code(device)}, follow=True)
    landed = response.redirect_chain[-1][0]
    assert landed == reverse("home" if group == UserGroup.BASIC else "dashboard")
    page = response.content.decode()
    dashboard_link = f'href="{reverse("dashboard")}"'
    assert (dashboard_link in page) is (group != UserGroup.BASIC)  # in the navigation


def test_signed_out_users_are_sent_to_sign_in(client):
    response = client.get(reverse("dashboard"))
    assert response.url.startswith(reverse("sign-in"))


@pytest.mark.parametrize("group", NOT_BASIC)
def test_a_case_out_of_area_and_led_elsewhere_never_appears(client, scenario, group):
    """Rutland's cases fill every section for Rutland; Blaby's users see none of them."""
    rutland = scenario.rutland_officer
    area = scenario.partnership.areas["Rutland"]
    outside = scenario.incidents["out_of_area"]
    make_high(outside, rutland)
    set_victim_clock(outside, 40)
    raise_task(outside, by=rutland, assigned_to=rutland, title="Visit",
               due_on=timezone.localdate())  # fmt: skip
    due = log_complaint(by=rutland, area=area, description="Due soon in Rutland")
    set_victim_clock(due, 22)
    closing = log_complaint(by=rutland, area=area, description="Closing in Rutland")
    submit(closing, rutland)

    rutland_page = dashboard(client, rutland)
    for name in SECTIONS:
        assert urns(rutland_page, name), f"Rutland's own {name} section is empty"

    page = dashboard(client, scenario.user(group))
    for incident in (outside, due, closing):
        assert incident.urn not in page, f"{group} sees {incident.urn}"


@pytest.mark.parametrize("group", NOT_BASIC)
def test_only_those_who_may_close_see_the_closure_queue(client, scenario, officer, group):
    incident = scenario.incidents["in_area"]
    submit(incident, officer)
    page = dashboard(client, scenario.user(group))
    assert ("Waiting for your closure decision" in page) == (group in DECIDERS)
    assert (incident.urn in urns(page, "closure-queue")) == (group in DECIDERS)


def test_the_closure_queue_is_oldest_first_and_links_to_the_decision(
    client, scenario, officer, manager, blaby
):
    first = scenario.incidents["in_area"]
    second = log_complaint(by=officer, area=blaby, description="Second")
    submit(first, officer)
    submit(second, officer)
    page = dashboard(client, manager)
    assert urns(page, "closure-queue") == [first.urn, second.urn]
    assert reverse("closure-decide", args=[first.urn]) in section(page, "closure-queue")
    approve_closure(first, by=manager)
    assert urns(dashboard(client, manager), "closure-queue") == [second.urn]


# --- Whose cases: supervisors see their organisation's, others the cases they lead -----------


@pytest.mark.parametrize(
    ("group", "listed"),
    [
        (UserGroup.OPERATIONAL, True),  # the lead officer
        (UserGroup.ENHANCED, True),  # a supervisor of the lead organisation
        (UserGroup.ADMINISTRATOR, True),
        (UserGroup.ANALYST, False),  # sees the case, but neither leads nor supervises it
    ],
)
def test_supervisors_see_their_organisations_cases_and_officers_their_own(
    client, scenario, officer, group, listed
):
    incident = scenario.incidents["in_area"]
    make_high(incident, officer)
    page = dashboard(client, scenario.user(group))
    assert (incident.urn in urns(page, "high-risk")) is listed


def test_an_officer_does_not_see_a_colleagues_cases(client, scenario, officer, make_user):
    colleague = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    incident = scenario.incidents["in_area"]
    make_high(incident, officer)
    set_victim_clock(incident, 40)
    page = dashboard(client, colleague)
    assert incident.urn not in page
    assert "No High-risk cases are on daily monitoring." in page
    assert "No victim updates are overdue." in page
    assert "You do not lead any open cases." in page


# --- High risk (R2) ---------------------------------------------------------------------------


def test_a_high_risk_case_shows_its_referral_and_todays_review(client, scenario, officer):
    incident = scenario.incidents["in_area"]
    make_high(incident, officer)
    table = section(dashboard(client, officer), "high-risk")
    assert "Referral to the </span>Local authority ASB co-ordinator" in table
    assert '<strong class="govuk-tag govuk-tag--red app-nowrap">Not recorded</strong>' in table
    assert "None recorded" in table
    assert "Not reviewed today" in table

    refer_as_high_risk_requires(incident, officer)
    review_monitoring(incident, officer, timezone.now() - datetime.timedelta(days=1))
    table = section(dashboard(client, officer), "high-risk")
    assert '<strong class="govuk-tag govuk-tag--green app-nowrap">Recorded</strong>' in table
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert f'datetime="{yesterday:%Y-%m-%d}' in table
    assert "Not reviewed today" in table

    review_monitoring(incident, officer, timezone.now())
    table = section(dashboard(client, officer), "high-risk")
    assert "Reviewed today" in table and "Not reviewed today" not in table


def test_a_police_led_case_needs_the_adult_referral_team(client, make_user, partnership):
    officer = make_user("Leicestershire Police", UserGroup.OPERATIONAL)
    incident = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Threats")
    make_high(incident, officer)
    table = section(dashboard(client, officer), "high-risk")
    assert "Referral to the </span>Adult Referral &amp; Co-ordination team" in table


def test_the_longest_unreviewed_case_comes_first(client, scenario, officer, blaby):
    reviewed = scenario.incidents["in_area"]
    never = log_complaint(by=officer, area=blaby, description="Never reviewed")
    for incident in (reviewed, never):
        make_high(incident, officer)
    review_monitoring(reviewed, officer, timezone.now())
    assert urns(dashboard(client, officer), "high-risk") == [never.urn, reviewed.urn]


# --- Victim updates (R3) ----------------------------------------------------------------------


def test_victim_updates_overdue_and_due_soon(client, scenario, officer, manager, blaby):
    """Standard risk: 28 days between updates, reminded from 7 days before the deadline."""
    overdue_older = scenario.incidents["in_area"]
    overdue = log_complaint(by=officer, area=blaby, description="Overdue")
    due = log_complaint(by=officer, area=blaby, description="Due soon")
    in_time = log_complaint(by=officer, area=blaby, description="In time")
    set_victim_clock(overdue_older, 40)
    set_victim_clock(overdue, 29)
    set_victim_clock(due, 22)
    set_victim_clock(in_time, 5)

    for user in (officer, manager):
        page = dashboard(client, user)
        assert urns(page, "overdue") == [overdue_older.urn, overdue.urn]
        assert urns(page, "due") == [due.urn]
        assert in_time.urn not in urns(page, "overdue") + urns(page, "due")

    overdue_table = section(page, "overdue")
    assert overdue_table.count('<strong class="govuk-tag govuk-tag--red">Overdue</strong>') == 2
    assert "Overdue</strong>" not in section(page, "due")
    due.refresh_from_db()
    deadline = victim_update_deadline(due, CaseRules.current())
    assert f'<time datetime="{deadline:%Y-%m-%d}">' in section(page, "due")


def test_a_closed_case_needs_no_victim_update(client, scenario, officer, manager):
    incident = scenario.incidents["in_area"]
    set_victim_clock(incident, 40)
    submit(incident, officer)
    approve_closure(incident, by=manager)
    page = dashboard(client, officer)
    assert urns(page, "overdue") == [] and urns(page, "cases") == []


# --- My tasks and my open cases ---------------------------------------------------------------


def test_my_open_tasks_soonest_first_with_the_overdue_tagged(client, scenario, officer, manager):
    incident = scenario.incidents["in_area"]
    today = timezone.localdate()
    later = raise_task(incident, by=manager, assigned_to=officer, title="Write to the landlord",
                       due_on=today + datetime.timedelta(days=5))  # fmt: skip
    soon = raise_task(incident, by=manager, assigned_to=officer, title="Call the victim",
                      due_on=today)  # fmt: skip
    done = raise_task(incident, by=manager, assigned_to=officer, title="Already done",
                      due_on=today)  # fmt: skip
    complete_task(done, by=officer, note="Done.")
    raise_task(incident, by=officer, assigned_to=manager, title="Someone else's", due_on=today)

    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        table = section(dashboard(client, officer), "tasks")
    assert table.index(soon.title) < table.index(later.title)
    assert "Already done" not in table and "Someone else" not in table
    assert table.count("Overdue") == 1
    assert reverse("task-detail", args=[soon.pk]) in table
    assert reverse("incident-detail", args=[incident.urn]) in table


def test_my_open_cases_are_those_i_lead_and_not_closed(client, scenario, officer, manager, blaby):
    mine = scenario.incidents["in_area"]
    submitted = log_complaint(by=officer, area=blaby, description="Submitted")
    closed = log_complaint(by=officer, area=blaby, description="Closed")
    colleagues = log_complaint(by=manager, area=blaby, description="The manager's")
    submit(submitted, officer)
    submit(closed, officer)
    approve_closure(closed, by=manager)

    table = section(dashboard(client, officer), "cases")
    assert re.findall(r">(ASB-\d{4}-\d{6})<", table) == [submitted.urn, mine.urn]
    assert closed.urn not in table and colleagues.urn not in table
    assert "Submitted for closure</strong>" in table


# --- Limits, marking, queries -----------------------------------------------------------------


def test_each_list_shows_25_and_says_how_many_there_are(client, scenario, officer, manager):
    incident = scenario.incidents["in_area"]
    for n in range(26):
        raise_task(incident, by=manager, assigned_to=officer, title=f"Task {n}",
                   due_on=timezone.localdate())  # fmt: skip
    page = dashboard(client, officer)
    assert section(page, "tasks").count('href="/tasks/') == 25
    assert "Showing 25 of 26." in page
    assert f'<a class="govuk-link" href="{reverse("inbox")}">View all your open tasks</a>' in page


def test_the_page_carries_the_highest_marking_it_shows(client, scenario, officer, blaby):
    page = dashboard(client, officer)
    assert 'data-marking="restricted"' in page
    log_complaint(by=officer, area=blaby, description="Sensitive", marking="confidential")
    page = dashboard(client, officer)
    assert 'data-marking="confidential"' in page


def _fill_every_section(manager, officer, blaby, n):
    """n rows in every section of the manager's dashboard."""
    for i in range(n):
        closing = log_complaint(by=officer, area=blaby, description=f"Closing {i}")
        submit(closing, officer)
        high = log_complaint(by=officer, area=blaby, description=f"High {i}")
        make_high(high, officer)
        review_monitoring(high, officer, timezone.now())
        overdue = log_complaint(by=officer, area=blaby, description=f"Overdue {i}")
        set_victim_clock(overdue, 40)
        due = log_complaint(by=officer, area=blaby, description=f"Due {i}")
        set_victim_clock(due, 22)
        raise_task(due, by=officer, assigned_to=manager, title=f"Task {i}",
                   due_on=timezone.localdate())  # fmt: skip
        log_complaint(by=manager, area=blaby, description=f"Mine {i}")


def test_the_same_queries_for_one_row_in_every_section_as_for_five(
    client, scenario, officer, manager, blaby
):
    client.force_login(manager)

    def count():
        with CaptureQueriesContext(connection) as context:
            page = client.get(reverse("dashboard")).content.decode()
        return len(context.captured_queries), page

    _fill_every_section(manager, officer, blaby, 1)
    one, page = count()
    assert all(len(urns(page, name)) == 1 for name in SECTIONS)
    _fill_every_section(manager, officer, blaby, 4)
    five, page = count()
    assert all(len(urns(page, name)) == 5 for name in SECTIONS)
    assert one == five == EXPECTED_QUERIES
