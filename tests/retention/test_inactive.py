"""The inactive-records report (SPEC D3; issue #7): open cases with no activity for N days,
over the cases each user may view, on screen and as a CSV download, both audited."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import Incident
from incidents.services import log_complaint
from tests.access.scenario import GROUPS, RECORDS, expect

READERS = {UserGroup.ENHANCED, UserGroup.ANALYST, UserGroup.ADMINISTRATOR}
URL = "/retention/inactive/"


def quiet_for(days: int, *incidents) -> None:
    """Nothing happened on these cases for `days` days (set directly: activity is kept by
    incidents/activity.py on every write, so a test cannot age it through the services)."""
    # The first minute of the day `days` days ago, local time: that many days ago whatever
    # the time of day the test runs at (an hour before now is yesterday just after midnight).
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    Incident.objects.filter(pk__in=[i.pk for i in incidents]).update(
        last_activity_at=midnight - datetime.timedelta(days=days) + datetime.timedelta(seconds=1)
    )


def test_the_url_names():
    assert reverse("inactive-records") == URL
    assert reverse("inactive-records-export") == URL + "download/"


# --- Who may see what --------------------------------------------------------------------------


@pytest.mark.parametrize("group", GROUPS)
def test_the_report_lists_only_cases_the_user_may_view(client, scenario, group):
    quiet_for(200, *scenario.incidents.values())
    client.force_login(scenario.user(group))

    response = client.get(URL)

    if group not in READERS:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    listed = {incident.urn for incident in response.context["rows"]}
    expected = {
        incident.urn for record, incident in scenario.incidents.items() if expect(group, record)
    }
    assert listed == expected
    assert scenario.incidents["out_of_area"].urn not in response.content.decode()


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_the_download_holds_only_cases_the_user_may_view(client, scenario, group, record):
    incident = scenario.incidents[record]
    quiet_for(200, incident)
    client.force_login(scenario.user(group))

    response = client.post(reverse("inactive-records-export"), {"days": "90"})

    if group not in READERS:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    assert (incident.urn in response.content.decode()) == expect(group, record)


@pytest.mark.parametrize("group", GROUPS)
def test_the_dashboard_links_to_the_report_for_those_who_may_see_it(client, scenario, group):
    client.force_login(scenario.user(group))
    response = client.get(reverse("dashboard"), follow=True)
    assert (URL in response.content.decode()) == (group in READERS)


# --- What the report shows ---------------------------------------------------------------------


@pytest.fixture
def manager(scenario):
    return scenario.user(UserGroup.ENHANCED)


@pytest.fixture
def officer(scenario):
    return scenario.user(UserGroup.OPERATIONAL)


def test_quiet_open_cases_longest_quiet_first(client, scenario, manager, officer, settings):
    settings.INACTIVE_AFTER_DAYS = 60
    blaby = scenario.partnership.areas["Blaby"]
    quiet = log_complaint(by=officer, area=blaby, description="Quiet")
    quieter = log_complaint(by=officer, area=blaby, description="Quieter")
    recent = log_complaint(by=officer, area=blaby, description="Recent")
    closed = log_complaint(by=officer, area=blaby, description="Closed")
    Incident.objects.filter(pk=closed.pk).update(status=Incident.Status.CLOSED)
    quiet_for(70, quiet, closed)
    quiet_for(400, quieter)
    quiet_for(10, recent)
    client.force_login(manager)

    response = client.get(URL)

    assert [i.urn for i in response.context["rows"]] == [quieter.urn, quiet.urn]
    page = response.content.decode()
    assert "70 days ago" in page and "400 days ago" in page
    quieter.refresh_from_db()
    assert f"{timezone.localtime(quieter.last_activity_at):%-d %b %Y}" in page
    assert str(officer) in page  # the lead officer
    assert "No activity for 60 days or more" in page

    response = client.get(URL, {"days": "365"})
    assert [i.urn for i in response.context["rows"]] == [quieter.urn]
    assert response.context["form"]["days"].value() == "365"


def test_when_no_case_is_quiet_the_page_says_so(client, scenario, manager):
    client.force_login(manager)

    page = client.get(URL).content.decode()

    assert "No activity for 90 days or more" in page
    assert "No open case you can see has gone 90 days without activity." in page


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("0", "The number of days must be 1 or more."),
        ("3651", "The number of days must be 3,650 or fewer."),
        ("ninety", "The number of days must be a whole number, like 90."),
        ("", "Enter the number of days without activity."),
    ],
)
def test_the_number_of_days_is_checked(client, manager, days, message):
    client.force_login(manager)

    response = client.get(URL, {"days": days})

    assert response.status_code == 200
    assert response.context["form"].errors == {"days": [message]}
    page = response.content.decode()
    assert message in page
    assert f'value="{days}"' in page  # what was typed is kept
    assert "rows" not in response.context
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.INACTIVE_REPORT).exists()


def test_viewing_the_report_is_audited(client, scenario, manager):
    quiet_for(200, *scenario.incidents.values())
    client.force_login(manager)

    client.get(URL, {"days": "120"})

    event = AuditEvent.objects.get(event_type=AuditEvent.Type.INACTIVE_REPORT)
    assert event.actor == manager
    assert event.details == {"days": 120, "row_count": 2, "format": "screen", "page": 1}


def test_the_csv_download(client, scenario, manager, officer):
    blaby = scenario.partnership.areas["Blaby"]
    confidential = log_complaint(
        by=officer, area=blaby, description="Secret", marking=Incident.Marking.CONFIDENTIAL
    )
    quiet_for(200, *scenario.incidents.values(), confidential)
    client.force_login(manager)
    # The page lists the Confidential case; a bulk download never holds it (V4).
    assert confidential.urn in client.get(URL).content.decode()

    response = client.post(reverse("inactive-records-export"), {"days": "100"})

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith(
        'attachment; filename="sentinel-inactive-records-'
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[1].split(",")[0] == "Reference"
    assert lines[1].endswith("Days without activity")
    urns = {line.split(",")[0] for line in lines[2:]}
    assert urns == {scenario.incidents["in_area"].urn, scenario.incidents["shared"].urn}
    assert all(line.endswith(",200") for line in lines[2:])
    event = AuditEvent.objects.filter(event_type=AuditEvent.Type.INACTIVE_REPORT).latest(
        "sequence"
    )
    assert event.details == {"days": 100, "row_count": 2, "format": "csv"}


def test_a_download_with_a_bad_number_of_days_is_not_made(client, manager):
    client.force_login(manager)

    response = client.post(reverse("inactive-records-export"), {"days": "-3"})

    assert response.status_code == 400
    assert "The number of days must be 1 or more." in response.content.decode()
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.INACTIVE_REPORT).exists()


def test_the_report_runs_the_same_queries_for_one_case_or_many(client, scenario, manager, officer):
    blaby = scenario.partnership.areas["Blaby"]
    client.force_login(manager)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL)
        return len(response.context["rows"]), len(queries.captured_queries)

    quiet_for(200, scenario.incidents["in_area"])
    one = count()
    more = [log_complaint(by=officer, area=blaby, description=f"Case {i}") for i in range(6)]
    quiet_for(200, *more)
    several = count()
    assert (one[0], several[0]) == (1, 7)
    assert one[1] == several[1]


def test_the_report_is_paginated(client, scenario, manager, officer, monkeypatch):
    from retention.views import inactive

    blaby = scenario.partnership.areas["Blaby"]
    cases = [log_complaint(by=officer, area=blaby, description=f"Case {i}") for i in range(3)]
    quiet_for(200, *cases)
    monkeypatch.setattr(inactive, "PAGE_SIZE", 2)
    client.force_login(manager)

    first = client.get(URL, {"days": "30"})
    second = client.get(URL, {"days": "30", "page": "2"})

    assert len(first.context["rows"]) == 2
    assert len(second.context["rows"]) == 1
    assert 'href="?days=30&amp;page=2"' in first.content.decode()
