"""An officer assesses the victim's risk and attaches documents to a case, in Chromium: every
page looked at by axe-core, with and without errors."""

# The storage fixture is shared with the page tests; pytest passes it in by name.
# ruff: noqa: F401

from pathlib import Path

import pytest

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import Document, RiskAssessment
from incidents.services import log_complaint
from people.services import add_involvement
from tests.access.factories import PASSWORD
from tests.incidents.test_documents import WINDOWS_PROGRAM, png_bytes

from .conftest import look_at, sign_in, sign_out

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("documents_root"),  # documents stored in the test's own folder
]


def test_officer_assesses_risk_and_attaches_documents(page, partnership, make_user, tmp_path):
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL, username="risk.officer")
    incident = log_complaint(
        by=officer, area=partnership.areas["Blaby"], description="Repeated threats at the door"
    )
    add_involvement(
        incident,
        by=officer,
        role="victim",
        person_fields={"given_name": "Avery", "family_name": "Example"},
    )
    sign_in(page, "risk.officer")

    page.goto(f"/incidents/{incident.urn}/")
    page.get_by_role("heading", name=f"Incident {incident.urn}").wait_for()
    look_at(page, "risk-01-incident-not-assessed")

    # Risk: answer only the first question, then see what is missing.
    page.get_by_role("link", name="Assess risk").click()
    page.get_by_role("heading", name="Victim risk assessment").wait_for()
    look_at(page, "risk-02-assess")
    fieldsets = page.locator("fieldset.govuk-fieldset")
    fieldsets.nth(0).get_by_label("Yes").check()
    page.get_by_label("Notes (optional)").fill("Spoke to the victim by phone")
    page.get_by_role("button", name="Save assessment").click()
    page.get_by_role("alert").filter(has_text="There is a problem").wait_for()
    assert page.title().startswith("Error: ")
    assert fieldsets.nth(0).get_by_label("Yes").is_checked()
    assert page.get_by_label("Notes (optional)").input_value() == "Spoke to the victim by phone"
    look_at(page, "risk-03-assess-errors")

    # Yes to the three heaviest questions (3 + 3 + 3 = 9: Medium from 6, High from 12).
    for i in range(fieldsets.count()):
        fieldsets.nth(i).get_by_label("Yes" if i < 3 else "No").check()
    page.get_by_label("Who is being assessed? (optional)").select_option(
        label="Avery Example (victim)"
    )
    page.get_by_role("button", name="Save assessment").click()
    page.get_by_text("Risk assessed as Medium (score 9).").wait_for()
    assessment = RiskAssessment.objects.get()
    assert (assessment.level, assessment.assessed_by) == ("medium", officer)
    look_at(page, "risk-04-assessment")

    # Documents: a program dressed as a photo is refused; a real photo is attached.
    page.goto(f"/incidents/{incident.urn}/")
    page.get_by_role("link", name="Upload a document").click()
    page.get_by_role("heading", name="Upload a document").wait_for()
    look_at(page, "documents-01-upload")
    disguised = tmp_path / "photo.jpg"
    disguised.write_bytes(WINDOWS_PROGRAM)
    page.get_by_label("Upload a file").set_input_files(str(disguised))
    page.get_by_label("Photograph").check()
    page.get_by_label("Description (optional)").fill("Damage to the front door")
    page.get_by_role("button", name="Upload document").click()
    page.get_by_role("alert").filter(has_text="There is a problem").wait_for()
    assert page.get_by_label("Description (optional)").input_value() == "Damage to the front door"
    assert page.get_by_label("Photograph").is_checked()
    look_at(page, "documents-02-upload-refused")

    photo = tmp_path / "front door.png"
    photo.write_bytes(png_bytes())
    page.get_by_label("Upload a file").set_input_files(str(photo))
    page.get_by_role("button", name="Upload document").click()
    page.get_by_text("front door.png has been uploaded.").wait_for()
    assert Document.objects.get().content_type == "image/png"
    look_at(page, "documents-03-incident-with-document-and-risk")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="front door.png").click()
    download = download_info.value
    assert download.suggested_filename == "front door.png"
    assert Path(download.path()).read_bytes() == png_bytes()
    assert AuditEvent.objects.filter(
        event_type=AuditEvent.Type.DOCUMENT_DOWNLOADED, actor=officer
    ).exists()
