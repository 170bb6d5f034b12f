"""Issue #7's journey: an administrator opens the retention review queue, keeps one case with
a reason and a new review date, erases another, and then answers a subject access request
for a person who appears in cases of three organisations. Every page is screenshotted and
checked with axe-core."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from access.models import UserGroup
from audit.models import AuditEvent, Disclosure
from audit.registers import record_disclosure
from incidents.models import Incident
from incidents.services import log_complaint
from retention.models import ErasedIncident, IncidentRetention, RetentionDecision
from retention.sweep import run_sweep
from tests.retention.conftest import years_ago
from tests.retention.no_trace import traces
from tests.retention.planting import plant_case

from .conftest import look_at, marking_banners, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _documents_in_tmp(documents_root):
    """Every test here stores documents in its own folder (tests/conftest.py)."""


def test_an_administrator_reviews_retention_and_answers_a_subject_access_request(
    page, partnership, make_user
):
    keeper = make_user("Blaby District Council", UserGroup.ADMINISTRATOR, username="keeper")
    team = {
        name: (
            make_user(name, UserGroup.OPERATIONAL),
            make_user(name, UserGroup.ENHANCED),
            area,
        )
        for name, area in (
            ("Blaby District Council", "Blaby"),
            ("Rutland County Council", "Rutland"),
            ("Leicester City Council", "Leicester City"),
        )
    }

    def plant(organisation, **options):
        officer, manager, area = team[organisation]
        return plant_case(
            officer=officer, manager=manager, area=partnership.areas[area], **options
        )

    # Two Blaby cases closed seven years ago fall due for review (the default rule).
    to_keep = plant("Blaby District Council", outcome="resolved", closed_on=years_ago(7))
    to_erase = plant("Blaby District Council", outcome="improved", closed_on=years_ago(8))
    # The subject of a request: a victim in Blaby, and also in Rutland and Leicester City.
    subject_case = plant("Blaby District Council", outcome="resolved", closed_on=years_ago(1))
    subject = subject_case.people[0]
    for organisation in ("Rutland County Council", "Leicester City Council"):
        plant(organisation, outcome="resolved", closed_on=years_ago(1), also_involve=subject)
    # Blaby told a housing provider about the subject's case, and recorded it in the register.
    record_disclosure(
        by=keeper,
        incident=subject_case.incident,
        disclosed_on=timezone.localdate() - timedelta(days=30),
        information="Dates of the incidents",
        subject=str(subject),
        recipient="Sam Carter, tenancy officer",
        recipient_organisation="Longhouse Housing",
        reason=Disclosure.Reason.SAFEGUARDING,
        legal_gateway=Disclosure.Gateway.CDA_S115,
        justification="Safeguarding referral",
        authorised_by="Jo Bloggs, information manager",
    )
    assert sorted(run_sweep().queued) == sorted([to_keep.incident.urn, to_erase.incident.urn])
    # And an open case nobody has touched for four months.
    officer, _, area = team["Blaby District Council"]
    quiet = log_complaint(by=officer, area=partnership.areas[area], description="Dumped sofa")
    Incident.objects.filter(pk=quiet.pk).update(
        last_activity_at=timezone.now() - timedelta(days=120)
    )

    sign_in(page, "keeper")
    page.get_by_role("link", name="Administration", exact=True).click()
    page.get_by_role("link", name="Retention review queue").click()
    page.get_by_role("heading", level=1, name="Retention review queue").wait_for()
    assert all(marking_banners(page))
    look_at(page, "100-retention-queue")

    # Keep one: first without a reason or date, then properly.
    page.get_by_role("link", name=re.compile(to_keep.incident.urn)).click()
    page.get_by_role("heading", level=1, name=f"Keep or erase {to_keep.incident.urn}").wait_for()
    look_at(page, "101-retention-decide")
    page.get_by_role("button", name="Keep the case").click()
    page.get_by_text("There is a problem").wait_for()
    main = page.locator("main").inner_text()
    assert "Give the reason: it is kept with the case." in main
    assert "Enter the date the case should be reviewed again." in main
    look_at(page, "102-retention-keep-errors")
    page.get_by_label("Why should the case be kept?").fill("A civil claim by the victim is open")
    next_year = timezone.localdate().year + 1
    page.get_by_role("group", name="Next review date").get_by_label("Day").fill("1")
    page.get_by_role("group", name="Next review date").get_by_label("Month").fill("6")
    page.get_by_role("group", name="Next review date").get_by_label("Year").fill(str(next_year))
    page.get_by_role("button", name="Keep the case").click()
    page.get_by_role("heading", level=1, name="Retention review queue").wait_for()
    assert to_keep.incident.urn in page.locator(".govuk-notification-banner").inner_text()
    look_at(page, "103-retention-kept")
    decision = RetentionDecision.objects.get(incident=to_keep.incident)
    assert (decision.decision, decision.reason) == (
        "retain",
        "A civil claim by the victim is open",
    )
    retention = IncidentRetention.objects.get(incident=to_keep.incident)
    assert (retention.review, retention.review_on.year) == ("retained", next_year)

    # The kept case's own page shows its retention; a legal hold is placed on it.
    page.goto(f"/incidents/{to_keep.incident.urn}/")
    page.locator("#retention").get_by_role("link", name="Change retention").click()
    page.get_by_role("heading", level=1).wait_for()
    look_at(page, "107-retention-settings")
    page.get_by_label("Place a legal hold").check()
    page.get_by_role("button", name="Save the legal hold").click()
    page.get_by_text("There is a problem").wait_for()
    look_at(page, "108-retention-settings-errors")
    page.get_by_label("Reason", exact=True).fill("Ombudsman complaint received")
    page.get_by_role("button", name="Save the legal hold").click()
    page.locator("#retention").wait_for()
    assert "legal hold" in page.locator(".govuk-notification-banner").inner_text()
    look_at(page, "109-incident-retention-panel")
    assert IncidentRetention.objects.get(incident=to_keep.incident).legal_hold

    # Erase the other.
    page.goto("/retention/review/")
    page.get_by_role("link", name=re.compile(to_erase.incident.urn)).click()
    page.get_by_label("I understand this erases the case and its people with no trace").check()
    page.get_by_role("button", name="Erase the case").click()
    page.get_by_role("heading", level=1, name="Retention review queue").wait_for()
    assert to_erase.incident.urn in page.locator(".govuk-notification-banner").inner_text()
    look_at(page, "104-retention-erased")
    assert not Incident.objects.filter(urn=to_erase.incident.urn).exists()
    tombstone = ErasedIncident.objects.get(urn=to_erase.incident.urn)
    assert (tombstone.decided, tombstone.decided_by.username) == ("review", "keeper")
    assert traces(to_erase.secrets) == {}
    assert not any(Path(path).exists() for path in to_erase.document_paths)

    # Open cases nobody has touched for a while.
    page.get_by_role("link", name="Dashboard", exact=True).click()
    page.get_by_role("link", name=re.compile("^Inactive records")).click()
    page.get_by_role("heading", level=2, name="No activity for 90 days or more").wait_for()
    assert quiet.urn in page.get_by_test_id("inactive-records").inner_text()
    assert to_keep.incident.urn not in page.locator("main").inner_text()  # closed
    look_at(page, "110-inactive-records")

    # A subject access request.
    page.get_by_role("link", name="Administration", exact=True).click()
    page.get_by_role("link", name="Subject access").click()
    page.get_by_role("heading", level=1, name="Subject access: find the person").wait_for()
    page.get_by_label("Last name").fill(subject.family_name)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=str(subject)).wait_for()
    look_at(page, "105-subject-access-search")
    page.get_by_role("link", name=str(subject)).click()
    page.get_by_role("heading", level=1, name=f"Everything held about {subject}").wait_for()
    main = page.locator("main").inner_text()
    for organisation in team:
        assert organisation in main
    assert (
        "Longhouse Housing"
        in page.get_by_role("region", name="Disclosures in the export").inner_text()
    )
    look_at(page, "106-subject-access-summary")
    page.get_by_label("Request reference").fill("SAR-2026-0042")
    page.get_by_label(re.compile("JSON, machine-readable")).check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the export").click()
    export = json.loads(Path(download_info.value.path()).read_text())
    assert export["request_reference"] == "SAR-2026-0042"
    assert len(export["incidents"]) == 3
    assert [d["recipient_organisation"] for d in export["disclosures"]] == ["Longhouse Housing"]
    page.get_by_label(re.compile("PDF, to read")).check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the export").click()
    assert Path(download_info.value.path()).read_bytes().startswith(b"%PDF-")
    assert (
        AuditEvent.objects.filter(
            event_type=AuditEvent.Type.SUBJECT_ACCESS, justification="SAR-2026-0042"
        ).count()
        == 2
    )
