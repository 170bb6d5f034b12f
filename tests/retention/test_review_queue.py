"""The retention review queue (SPEC D2; issue #7): who sees it, keeping a case with a reason
and a new review date, erasing one, and a case that changed after the page was opened."""

import datetime
import re
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import Incident
from incidents.services import log_complaint
from people.models import Person
from retention import services, sweep
from retention.models import ErasedIncident, IncidentRetention, RetentionDecision
from retention.services import set_deletion_flag, set_legal_hold
from tests.access.scenario import GROUPS, RECORDS

from .conftest import years_ago

HOST = "Leicestershire County Council"


def queue(*incidents) -> None:
    """Put incidents in the review queue as the sweep does (scenario cases are open, so the
    sweep itself would never queue them; the pages do not mind)."""
    for incident in incidents:
        IncidentRetention.objects.update_or_create(
            incident=incident,
            defaults={"review": IncidentRetention.Review.QUEUED, "queued_at": timezone.now()},
        )


def decide_url(incident) -> str:
    return reverse("retention-decide", args=[incident.urn])


def opened_at(response) -> str:
    """The hidden `opened_at` of the page's decision forms."""
    found = re.search(r'name="keep-opened_at" value="([^"]+)"', response.content.decode())
    assert found, "the keep form carries the moment the page was opened"
    return found.group(1)


def keep_data(opened, *, reason="A civil claim is still open", review_on=None) -> dict:
    review_on = review_on or timezone.localdate() + datetime.timedelta(days=365)
    return {
        "action": "keep",
        "keep-opened_at": opened,
        "keep-reason": reason,
        "keep-review_on_day": str(review_on.day),
        "keep-review_on_month": str(review_on.month),
        "keep-review_on_year": str(review_on.year),
    }


def delete_data(opened, *, confirm=True) -> dict:
    data = {"action": "delete", "delete-opened_at": opened}
    if confirm:
        data["delete-confirm"] = "on"
    return data


@pytest.fixture
def due_case(plant):
    """A case closed seven years ago: the default rule (six years, review) queues it."""
    case = plant(outcome="resolved", closed_on=years_ago(7))
    assert sweep.run_sweep().queued == [case.incident.urn]
    return case


# --- Who may see what --------------------------------------------------------------------------


@pytest.mark.parametrize("group", GROUPS)
def test_the_queue_is_for_administrators_and_lists_their_organisations_cases(
    client, scenario, group
):
    queue(*scenario.incidents.values())
    client.force_login(scenario.user(group))

    response = client.get(reverse("retention-queue"))

    if group != UserGroup.ADMINISTRATOR:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    page = response.content.decode()
    # Blaby's administrator decides on the cases Blaby District Council leads, and no others
    # (not even the Rutland case shared with Blaby for editing).
    assert scenario.incidents["in_area"].urn in page
    assert scenario.incidents["out_of_area"].urn not in page
    assert scenario.incidents["shared"].urn not in page


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_the_decision_page_answers_only_for_the_lead_organisations_administrators(
    client, scenario, group, record
):
    incident = scenario.incidents[record]
    queue(*scenario.incidents.values())
    client.force_login(scenario.user(group))

    response = client.get(decide_url(incident))

    allowed = group == UserGroup.ADMINISTRATOR and record == "in_area"
    assert response.status_code == (200 if allowed else 404)
    if not allowed:
        denied = AuditEvent.objects.filter(
            event_type=AuditEvent.Type.ACCESS_DENIED, target_id=incident.urn
        )
        assert denied.exists()


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_nobody_decides_on_a_case_out_of_their_scope(client, scenario, group, record):
    incident = scenario.incidents[record]
    queue(*scenario.incidents.values())
    client.force_login(scenario.user(group))
    allowed = group == UserGroup.ADMINISTRATOR and record == "in_area"

    response = client.post(decide_url(incident), keep_data(timezone.now().isoformat()))

    if allowed:
        assert response.status_code == 302
        assert RetentionDecision.objects.filter(incident=incident).exists()
        return
    # Administrators are sent back to their queue with the same words whatever the reason
    # (V5); everyone else gets 404. Nothing is decided either way.
    if group == UserGroup.ADMINISTRATOR:
        assert response.status_code == 302
        assert response.url == reverse("retention-queue")
    else:
        assert response.status_code == 404
    assert not RetentionDecision.objects.filter(incident=incident).exists()
    assert IncidentRetention.objects.get(incident=incident).review == "queued"
    assert IncidentRetention.objects.get(incident=incident).review_on is None


def test_a_case_not_in_the_queue_is_not_found(client, scenario):
    incident = scenario.incidents["in_area"]  # led by Blaby, but not queued
    client.force_login(scenario.user(UserGroup.ADMINISTRATOR))
    assert client.get(decide_url(incident)).status_code == 404
    assert client.get(reverse("retention-decide", args=["ASB-1999-000001"])).status_code == 404


def test_a_deployment_wide_administrator_decides_the_partnerships_cases_it_may_view(
    client, scenario, make_user
):
    """Every organisation's cases, but only those the administrator may view: the county
    council covers Blaby, not Rutland (which is led and held by Rutland)."""
    queue(*scenario.incidents.values())
    everywhere = make_user(HOST, UserGroup.ADMINISTRATOR, manages_all_organisations=True)
    client.force_login(everywhere)

    page = client.get(reverse("retention-queue")).content.decode()

    assert scenario.incidents["in_area"].urn in page
    assert scenario.incidents["out_of_area"].urn not in page
    assert client.get(decide_url(scenario.incidents["in_area"])).status_code == 200
    assert client.get(decide_url(scenario.incidents["out_of_area"])).status_code == 404


# --- The queue page ----------------------------------------------------------------------------


def test_the_queue_shows_rule_dates_oldest_queued_first(client, administrator, due_case, plant):
    later = plant(outcome="improved", closed_on=years_ago(8))
    IncidentRetention.objects.filter(incident=due_case.incident).update(
        queued_at=timezone.now() - datetime.timedelta(days=10)
    )
    assert sweep.run_sweep().queued == [later.incident.urn]
    client.force_login(administrator)

    response = client.get(reverse("retention-queue"))

    page = response.content.decode()
    assert page.index(due_case.incident.urn) < page.index(later.incident.urn)
    assert "Closed incidents (default)" in page
    assert "Blaby District Council" in page
    incident = due_case.incident
    assert f"{incident.closed_at:%-d %b %Y}" in page
    due = incident.closed_at.date() + relativedelta(years=6)
    assert f"{due:%-d %b %Y}" in page
    assert [row.incident.urn for row in response.context["rows"]] == [
        due_case.incident.urn,
        later.incident.urn,
    ]


def test_the_queue_runs_the_same_queries_for_one_case_or_many(client, partnership, make_user):
    administrator = make_user("Blaby District Council", UserGroup.ADMINISTRATOR)
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL)

    def log(n):
        for i in range(n):
            incident = log_complaint(
                by=officer, area=partnership.areas["Blaby"], description=f"Case {i}"
            )
            queue(incident)

    client.force_login(administrator)
    url = reverse("retention-queue")
    log(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    log(6)
    with CaptureQueriesContext(connection) as several:
        response = client.get(url)
    assert len(response.context["rows"]) == 7
    assert len(one.captured_queries) == len(several.captured_queries)


def test_the_queue_is_paginated(client, partnership, make_user, monkeypatch):
    from retention.views import review

    administrator = make_user("Blaby District Council", UserGroup.ADMINISTRATOR)
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    incidents = [
        log_complaint(by=officer, area=partnership.areas["Blaby"], description=f"Case {i}")
        for i in range(3)
    ]
    queue(*incidents)
    monkeypatch.setattr(review, "PAGE_SIZE", 2)
    client.force_login(administrator)

    first = client.get(reverse("retention-queue"))
    second = client.get(reverse("retention-queue"), {"page": 2})

    assert len(first.context["rows"]) == 2
    assert len(second.context["rows"]) == 1
    assert 'class="govuk-pagination"' in first.content.decode()


# --- Keeping a case ----------------------------------------------------------------------------


def test_keeping_a_case_records_the_decision(client, administrator, due_case):
    incident = due_case.incident
    client.force_login(administrator)
    page = client.get(decide_url(incident))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Closed incidents (default)" in text
    assert "2 people, 1 document" in text
    assert "Open the whole case" in text  # Blaby's administrator may view the case
    review_on = timezone.localdate() + datetime.timedelta(days=400)

    response = client.post(decide_url(incident), keep_data(opened_at(page), review_on=review_on))

    assert response.status_code == 302
    assert response.url == reverse("retention-queue")
    banner = client.get(response.url).content.decode()
    assert f"{incident.urn} will be kept" in banner
    assert f"{review_on:%-d %B %Y}" in banner
    assert incident.urn not in banner.split("will be kept")[1]  # no longer queued
    decision = RetentionDecision.objects.get(incident=incident)
    assert (decision.decision, decision.decided_by, decision.review_on) == (
        RetentionDecision.Decision.RETAIN,
        administrator,
        review_on,
    )
    assert decision.reason == "A civil claim is still open"
    retention = IncidentRetention.objects.get(incident=incident)
    assert (retention.review, retention.review_on) == ("retained", review_on)
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.RETENTION_KEPT)
    assert (event.actor, event.target_id) == (administrator, incident.urn)
    assert "civil claim" not in str(event.details)  # reasons stay with the case


def test_keeping_needs_a_reason_and_a_real_future_date(client, administrator, due_case):
    incident = due_case.incident
    client.force_login(administrator)
    opened = opened_at(client.get(decide_url(incident)))
    data = keep_data(opened, reason="")
    data["keep-review_on_day"], data["keep-review_on_month"] = "31", "2"
    data["keep-review_on_year"] = "2031"

    response = client.post(decide_url(incident), data)

    assert response.status_code == 200
    form = response.context["keep"]
    assert form.errors == {
        "reason": ["Give the reason: it is kept with the case."],
        "review_on": ["Next review date must be a real date."],
    }
    page = response.content.decode()
    assert 'href="#id_keep-review_on_day"' in page  # the error summary links to the day
    assert 'value="31"' in page and 'value="2031"' in page  # what was typed is kept

    data = keep_data(opened, reason="Keep it", review_on=timezone.localdate())
    data["keep-review_on_year"] = str(timezone.localdate().year - 1)
    response = client.post(decide_url(incident), data)
    assert response.context["keep"].errors == {
        "review_on": ["The next review date must be in the future."]
    }
    assert "Keep it" in response.content.decode()

    data = keep_data(opened)
    data["keep-review_on_year"] = "31"  # not taken for 2031
    response = client.post(decide_url(incident), data)
    year = timezone.localdate().year
    assert response.context["keep"].errors == {
        "review_on": [f"Next review date must have a year of 4 numbers, like {year}."]
    }

    data = keep_data(opened)
    data["keep-review_on_year"] = ""
    response = client.post(decide_url(incident), data)
    assert response.context["keep"].errors == {
        "review_on": ["Next review date must include a year."]
    }
    assert not RetentionDecision.objects.exists()
    assert IncidentRetention.objects.get(incident=incident).review == "queued"


def test_a_service_error_is_shown_on_its_field_with_what_was_typed(
    client, administrator, due_case, monkeypatch
):
    def refuse(incident, **kwargs):
        raise ValidationError({"review_on": "The next review date must be in the future."})

    monkeypatch.setattr(services, "keep_after_review", refuse)
    client.force_login(administrator)
    opened = opened_at(client.get(decide_url(due_case.incident)))

    response = client.post(
        decide_url(due_case.incident), keep_data(opened, reason="Typed reason stays")
    )

    assert response.status_code == 200
    assert response.context["keep"].errors == {
        "review_on": ["The next review date must be in the future."]
    }
    assert "Typed reason stays" in response.content.decode()


# --- Erasing a case ----------------------------------------------------------------------------


def test_erasing_a_case_leaves_only_its_tombstone(
    client, administrator, due_case, django_capture_on_commit_callbacks
):
    incident = due_case.incident
    client.force_login(administrator)
    opened = opened_at(client.get(decide_url(incident)))
    assert all(Path(path).exists() for path in due_case.document_paths)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(decide_url(incident), delete_data(opened))

    assert response.status_code == 302
    assert response.url == reverse("retention-queue")
    assert f"{incident.urn} has been erased" in client.get(response.url).content.decode()
    assert not Incident.objects.filter(pk=incident.pk).exists()
    assert not Person.objects.filter(pk__in=[p.pk for p in due_case.people]).exists()
    assert not any(Path(path).exists() for path in due_case.document_paths)
    tombstone = ErasedIncident.objects.get(urn=incident.urn)
    assert (tombstone.decided, tombstone.decided_by) == ("review", administrator)
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.INCIDENT_ERASED)
    assert (event.actor, event.details["decided"]) == (administrator, "review")


def test_a_second_click_on_erase_does_not_fail(client, administrator, due_case):
    client.force_login(administrator)
    opened = opened_at(client.get(decide_url(due_case.incident)))
    assert client.post(decide_url(due_case.incident), delete_data(opened)).status_code == 302

    again = client.post(decide_url(due_case.incident), delete_data(opened), follow=True)

    assert again.status_code == 200
    assert "is not in your review queue" in again.content.decode()
    assert ErasedIncident.objects.filter(urn=due_case.incident.urn).count() == 1


def test_erasing_needs_the_confirmation(client, administrator, due_case):
    client.force_login(administrator)
    opened = opened_at(client.get(decide_url(due_case.incident)))

    response = client.post(decide_url(due_case.incident), delete_data(opened, confirm=False))

    assert response.status_code == 200
    assert response.context["delete"].errors == {
        "confirm": ["Confirm that you understand the case will be erased with no trace."]
    }
    assert 'href="#id_delete-confirm"' in response.content.decode()
    assert Incident.objects.filter(pk=due_case.incident.pk).exists()


def test_a_forged_opening_time_in_the_future_is_refused(client, administrator, due_case):
    client.force_login(administrator)
    future = (timezone.now() + datetime.timedelta(days=1)).isoformat()

    response = client.post(decide_url(due_case.incident), delete_data(future))

    assert response.status_code == 200
    assert response.context["delete"].errors == {
        "opened_at": ["Open the case again before deciding."]
    }
    assert Incident.objects.filter(pk=due_case.incident.pk).exists()
    # The page now shown is the one the next attempt is based on.
    fresh = re.search(r'name="delete-opened_at" value="([^"]+)"', response.content.decode())
    assert datetime.datetime.fromisoformat(fresh.group(1)) <= timezone.now()


# --- A case that changed after the page was opened ----------------------------------------------


def test_a_case_changed_after_opening_is_not_erased(client, administrator, manager, due_case):
    incident = due_case.incident
    client.force_login(administrator)
    opened = opened_at(client.get(decide_url(incident)))
    # Meanwhile a manager asks for the case to be deleted automatically when due.
    set_deletion_flag(incident, by=manager, flag="automatic", reason="Nothing more to do")

    response = client.post(decide_url(incident), delete_data(opened))

    assert response.status_code == 200
    page = response.content.decode()
    assert "This case changed after you opened it: check it again" in page
    assert "Automatic deletion" in page  # the page shows the case as it is now
    assert Incident.objects.filter(pk=incident.pk).exists()
    assert not ErasedIncident.objects.exists()
    # The administrator confirms again, knowing the change; the page was opened afresh.
    assert not response.context["delete"].is_bound
    fresh = opened_at(response)
    assert fresh > opened
    assert client.post(decide_url(incident), delete_data(fresh)).status_code == 302
    assert not Incident.objects.filter(pk=incident.pk).exists()


def test_a_case_put_on_legal_hold_after_opening_is_not_erased(
    client, administrator, manager, due_case
):
    incident = due_case.incident
    client.force_login(administrator)
    opened = opened_at(client.get(decide_url(incident)))
    set_legal_hold(incident, by=manager, hold=True, reason="Civil claim lodged")

    response = client.post(decide_url(incident), delete_data(opened))

    assert response.status_code == 200
    assert "This case cannot be deleted: on legal hold." in response.content.decode()
    assert Incident.objects.filter(pk=incident.pk).exists()


def test_keeping_a_case_changed_after_opening_keeps_what_was_typed(
    client, administrator, manager, due_case
):
    incident = due_case.incident
    client.force_login(administrator)
    opened = opened_at(client.get(decide_url(incident)))
    set_legal_hold(incident, by=manager, hold=True, reason="Civil claim lodged")

    response = client.post(decide_url(incident), keep_data(opened, reason="Claim pending"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "This case changed after you opened it: check it again" in page
    assert "Civil claim lodged" in page  # the hold, now shown
    assert "Claim pending" in page
    assert not RetentionDecision.objects.exists()
    response = client.post(decide_url(incident), keep_data(opened_at(response)))
    assert response.status_code == 302
    assert RetentionDecision.objects.filter(incident=incident).count() == 1
