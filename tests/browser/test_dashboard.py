"""Issue #4's dashboard: an enhanced user signs in and lands on their dashboard, with something
in every section: a case waiting for their closure decision, High-risk cases on daily
monitoring, victim updates overdue and due soon, their tasks and their own cases."""

import datetime

import pytest
from django.utils import timezone

from access.models import UserGroup
from incidents.models import Incident, RiskQuestion, WorkingSheetEntry
from incidents.services import log_complaint
from incidents.services.closure import submit_for_closure
from incidents.services.risk import record_assessment
from incidents.services.tasks import raise_task
from incidents.services.worksheet import add_entry
from tests.incidents.supervision import refer_as_high_risk_requires

from .conftest import look_at, sign_in, sign_out

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _clock(incident, days_ago):
    Incident.objects.filter(pk=incident.pk).update(
        victim_clock_from=timezone.now() - datetime.timedelta(days=days_ago)
    )


def test_an_enhanced_user_sees_every_section(page, partnership, make_user):
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL, username="officer",
                        first_name="Sam",
                        last_name="Patel")  # fmt: skip
    manager = make_user("Blaby District Council", UserGroup.ENHANCED, username="manager",
                        first_name="Jo", last_name="Okafor")  # fmt: skip
    rutland = make_user("Rutland County Council", UserGroup.ENHANCED)
    blaby = partnership.areas["Blaby"]
    high = {q.pk: True for q in RiskQuestion.objects.filter(active=True)}

    closing = log_complaint(by=officer, area=blaby, description="Noise from a party house")
    submit_for_closure(closing, by=officer, summary="Warning given.", outcome="resolved")
    referred = log_complaint(by=officer, area=blaby, description="Threats to a neighbour")
    record_assessment(referred, by=officer, answers=high)
    refer_as_high_risk_requires(referred, officer)
    add_entry(referred, by=officer, kind=WorkingSheetEntry.Kind.MONITORING_REVIEW,
              text="Daily review: quiet night.", occurred_at=timezone.now())  # fmt: skip
    unreferred = log_complaint(by=officer, area=blaby, description="Harassment on the stairs")
    record_assessment(unreferred, by=officer, answers=high)
    overdue = log_complaint(by=officer, area=blaby, description="Dog fouling on the green")
    _clock(overdue, 35)
    due = log_complaint(by=officer, area=blaby, description="Youths gathering by the shop")
    _clock(due, 23)
    mine = log_complaint(by=manager, area=blaby, description="Graffiti on the underpass")
    raise_task(due, by=officer, assigned_to=manager, title="Agree an action plan",
               due_on=timezone.localdate())  # fmt: skip
    raise_task(mine, by=manager, assigned_to=manager, title="Ask the council to clean it",
               due_on=timezone.localdate() + datetime.timedelta(days=7))  # fmt: skip
    elsewhere = log_complaint(by=rutland, area=partnership.areas["Rutland"],
                              description="Not Blaby's")  # fmt: skip
    _clock(elsewhere, 35)

    sign_in(page, "manager")
    page.get_by_role("heading", name="Dashboard", exact=True).wait_for()
    look_at(page, "dashboard-01-enhanced-user")

    def rows(testid):
        return page.get_by_test_id(testid).locator("tbody tr")

    assert rows("dashboard-closure-queue").filter(has_text=closing.urn).count() == 1
    assert rows("dashboard-high-risk").count() == 2
    assert rows("dashboard-high-risk").filter(has_text=unreferred.urn).filter(
        has_text="Not recorded"
    ).count() == 1  # fmt: skip
    assert rows("dashboard-high-risk").filter(has_text=referred.urn).filter(
        has_text="Reviewed today"
    ).count() == 1  # fmt: skip
    assert rows("dashboard-overdue").filter(has_text=overdue.urn).filter(
        has_text="Overdue"
    ).count() == 1  # fmt: skip
    assert rows("dashboard-due").filter(has_text=due.urn).count() == 1
    assert rows("dashboard-tasks").count() == 2
    assert rows("dashboard-cases").filter(has_text=mine.urn).count() == 1
    assert elsewhere.urn not in page.content()

    # From the monitoring list to the case: its risk card says what supervision needs.
    page.get_by_test_id("dashboard-high-risk").get_by_role("link", name=unreferred.urn).click()
    page.get_by_role("heading", name=f"Incident {unreferred.urn}").wait_for()
    risk = page.locator("#risk")
    assert "On daily monitoring until re-graded." in risk.inner_text()
    assert "Not recorded" in risk.inner_text()
    look_at(page, "dashboard-03-high-risk-case")
    page.go_back()

    page.get_by_test_id("dashboard-closure-queue").get_by_role("link").click()
    page.get_by_role("heading", name="Review the closure").wait_for()

    # The lead officer: the cases they lead, and no closure queue (they may not close).
    sign_out(page)
    sign_in(page, "officer")
    page.get_by_role("heading", name="Dashboard", exact=True).wait_for()
    look_at(page, "dashboard-02-operational-user")
    assert page.get_by_role("heading", name="Waiting for your closure decision").count() == 0
    assert rows("dashboard-high-risk").count() == 2
    assert rows("dashboard-cases").count() == 5  # every case they lead, submitted or open
    page.get_by_text("You have no open tasks.").wait_for()
