"""Issue #6's register journey: an administrator records a disclosure and a breach, follows
the breach's investigation to its close, opens the disclosure report, and reviews the audit
trail of what they did. Every page is screenshotted and checked with axe-core."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from access.models import UserGroup
from audit.models import AuditEvent, Breach, Disclosure
from incidents.services import log_complaint

from .conftest import look_at, marking_banners, sign_in
from .dates import fill_date

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
Type = AuditEvent.Type


def test_an_administrator_keeps_the_registers(page, partnership, make_user):
    admin = make_user("Blaby District Council", UserGroup.ADMINISTRATOR, username="registrar")
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    incident = log_complaint(
        by=officer,
        area=partnership.areas["Blaby"],
        description="Harassment of a tenant",
        received_at=timezone.now() - timedelta(days=4),
    )
    today = timezone.localdate()

    sign_in(page, "registrar")

    # The disclosure register: record a disclosure, first forgetting what matters.
    page.goto("/registers/disclosures/")
    page.get_by_role("heading", level=1, name="Disclosure register").wait_for()
    assert all(marking_banners(page))
    look_at(page, "61-disclosure-register-empty")
    page.get_by_role("button", name="Record a disclosure").click()
    page.get_by_role("heading", level=1, name="Record a disclosure").wait_for()
    look_at(page, "62-disclosure-form")
    page.get_by_label("What was disclosed").fill("Dates and addresses of three incidents")
    page.get_by_label("Incident reference (optional)").fill("ASB-1999-000001")
    page.get_by_role("button", name="Record disclosure").click()
    page.get_by_text("There is a problem").wait_for()
    assert "Enter the reference of an incident you can see." in page.locator("main").inner_text()
    assert page.get_by_label("What was disclosed").input_value() == (
        "Dates and addresses of three incidents"
    )
    look_at(page, "63-disclosure-form-errors")

    fill_date(page, "Date disclosed", today - timedelta(days=1))
    page.get_by_label("Incident reference (optional)").fill(incident.urn)
    page.get_by_label("About whom (optional)").fill("The tenant at 4 Mill Lane")
    page.get_by_label("Disclosed to", exact=True).fill("Sam Carter, tenancy officer")
    page.get_by_label("Recipient's organisation").fill("Longhouse Housing Association")
    page.get_by_label("Safeguarding a child or vulnerable adult").check()
    page.get_by_label("Legal gateway").select_option(
        label="Crime and Disorder Act 1998, section 115"
    )
    page.get_by_label("Justification", exact=True).fill(
        "To protect a vulnerable tenant from harassment"
    )
    page.get_by_label("Authorised by").fill("Jo Bloggs, data protection officer")
    page.get_by_role("button", name="Record disclosure").click()
    page.get_by_role("heading", level=1, name=re.compile(r"^Disclosure \d+$")).wait_for()
    disclosure = Disclosure.objects.get()
    assert disclosure.incident == incident and disclosure.recorded_by == admin
    assert "Longhouse Housing Association" in page.locator("main").inner_text()
    look_at(page, "64-disclosure-recorded")

    # The report of disclosures by volume and reason.
    page.get_by_role("link", name="Back to the disclosure register").click()
    page.get_by_role("link", name=f"Disclosure {disclosure.pk}").wait_for()
    look_at(page, "65-disclosure-register")
    page.get_by_role("link", name="Disclosures by volume and reason").click()
    page.get_by_role("heading", level=1, name="Disclosures by volume and reason").wait_for()
    assert page.get_by_test_id("disclosure-total").inner_text() == ("1 disclosure in the period.")
    reasons = page.get_by_test_id("disclosures-by-reason").inner_text()
    assert "Blaby District Council" in reasons
    look_at(page, "66-disclosure-report")

    # The breach register: record a breach, investigate it, close it.
    page.goto("/registers/breaches/")
    page.get_by_role("heading", level=1, name="Breach register").wait_for()
    page.get_by_role("button", name="Record a breach").click()
    page.get_by_role("heading", level=1, name="Record a breach").wait_for()
    look_at(page, "67-breach-form")
    page.get_by_label("Loss or theft of data or information").check()
    fill_date(page, "Date it was discovered", today - timedelta(days=2))
    page.get_by_label("What happened").fill("A printed case summary was left on a train")
    page.get_by_role("button", name="Record breach").click()
    page.get_by_role("heading", level=1, name=re.compile(r"^Breach \d+: loss or theft")).wait_for()
    look_at(page, "68-breach-recorded")

    page.get_by_role("button", name="Update the investigation").click()
    page.get_by_role("heading", level=1, name=re.compile("Update the investigation")).wait_for()
    page.get_by_label("Closed", exact=True).check()
    page.get_by_label("Investigation (optional)").fill("The officer reported it the same day")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Enter the outcome before closing the breach.").first.wait_for()
    assert page.get_by_label("Investigation (optional)").input_value() == (
        "The officer reported it the same day"
    )
    look_at(page, "69-breach-edit-errors")
    page.get_by_label("Outcome", exact=True).fill("Summary recovered by the railway; retraining")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", level=1, name=re.compile(r"^Breach \d+")).wait_for()
    breach = Breach.objects.get()
    assert breach.status == Breach.Status.CLOSED and breach.closed_on == today
    assert "Summary recovered by the railway" in page.get_by_test_id("breach-history").inner_text()
    look_at(page, "70-breach-closed")

    # What the administrator did is in the audit trail.
    page.goto("/audit/")
    page.get_by_role("heading", level=1, name="Audit trail").wait_for()
    page.get_by_label("Audit review and registers").check()
    page.get_by_text("Choose particular events").click()
    page.get_by_label("Sign-in failed").check()
    page.get_by_role("button", name="Show events").click()
    events = page.get_by_test_id("audit-events").inner_text()
    assert "Disclosure recorded" in events and "Breach recorded" in events
    assert page.url.endswith("/audit/")
    assert page.get_by_label("Sign-in failed").is_checked()  # the filters stay as chosen
    look_at(page, "71-audit-trail")
    page.get_by_role("link", name=str(admin)).first.click()
    page.get_by_role("heading", level=1, name=f"Audit trail for {admin}").wait_for()
    look_at(page, "72-audit-trail-of-a-user")

    recorded = set(AuditEvent.objects.filter(actor=admin).values_list("event_type", flat=True))
    assert {
        Type.DISCLOSURE_RECORDED,
        Type.DISCLOSURE_REPORTED,
        Type.BREACH_RECORDED,
        Type.BREACH_UPDATED,
        Type.REGISTER_VIEWED,
        Type.AUDIT_REVIEWED,
    } <= recorded
