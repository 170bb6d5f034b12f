"""Issue #3's journey: an operational user logs a complaint with a victim matched to an
existing person, a perpetrator, a risk assessment, a working-sheet entry and a document; then
a basic user logs a skeleton complaint and alerts the officer, who finds it in their inbox."""

from datetime import date

import pytest
from django.utils import timezone

from access.models import UserGroup
from incidents.models import Alert, Incident, RiskQuestion
from incidents.services import log_complaint
from people.models import Person
from people.services import involve

from .conftest import look_at, sign_in, sign_out
from .dates import fill_date

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_complaint_is_logged_in_full_and_a_skeleton_reaches_the_inbox(
    page, partnership, make_user, tmp_path, settings
):
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "documents")},
        },
    }
    officer = make_user(
        "Blaby District Council", UserGroup.OPERATIONAL, username="officer",
        first_name="Olive", last_name="Officer",
    )  # fmt: skip
    make_user("Blaby District Council", UserGroup.BASIC, username="clerk")
    # Someone already on the system, from an earlier complaint.
    earlier = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Earlier")
    involve(
        earlier,
        by=officer,
        role="victim",
        person_fields={
            "given_name": "Margaret",
            "family_name": "Whitfield",
            "date_of_birth": date(1948, 2, 14),
            "postcode": "LE19 4RT",
        },
    )
    known = Person.objects.get()

    sign_in(page, "officer")
    page.get_by_role("link", name="Log a complaint").first.click()
    page.get_by_role("button", name="Start a new complaint").click()

    # Incident details.
    page.get_by_role("link", name="Incident details").click()
    description = "Teenagers kicking a football against the victim's front door each night."
    page.get_by_label("What happened?").fill(description)
    page.get_by_label("Address", exact=True).fill("22 Orchard Close")
    page.get_by_label("Postcode").fill("le19 4rt")
    page.get_by_label("Where did it happen?").select_option(label="Blaby")
    page.get_by_label("Nuisance").check()
    page.get_by_label("Age", exact=True).check()
    look_at(page, "31-details")
    page.get_by_role("button", name="Save and continue").click()

    # The victim, typed with a mistake in her name, is matched to the person on record.
    page.get_by_role("link", name="People involved").click()
    page.get_by_label("Victim").check()
    page.get_by_label("First name").fill("Margaret")
    page.get_by_label("Last name").fill("Whitfeld")
    fill_date(page, "Date of birth", date(1948, 2, 14))
    page.get_by_label("Postcode").fill("LE19 4RT")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Is this someone already recorded?").wait_for()
    look_at(page, "32-person-match")
    # Nothing is chosen for her: a hurried Continue is stopped with a message.
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("There is a problem").wait_for()
    look_at(page, "32b-person-match-not-chosen")
    page.get_by_label("Margaret Whitfield", exact=False).check()
    page.get_by_role("button", name="Continue").click()

    # A perpetrator nobody has recorded before.
    page.get_by_role("link", name="People involved").click()
    page.get_by_label("Perpetrator (alleged)").check()
    page.get_by_label("First name").fill("Kyle")
    page.get_by_label("Last name").fill("Brennan-Osei")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="People added").wait_for()
    look_at(page, "33-task-list-with-people")

    # Risk: yes to every question except the last.
    page.get_by_role("link", name="Victim risk assessment").click()
    questions = list(RiskQuestion.objects.filter(active=True))
    for question in questions:
        group = page.get_by_role("group", name=question.text)
        group.get_by_label("No" if question == questions[-1] else "Yes").check()
    look_at(page, "34-risk")
    page.get_by_role("button", name="Save and continue").click()

    # The first working-sheet entry.
    page.get_by_role("link", name="First working-sheet entry").click()
    page.get_by_label("Victim contact").check()
    page.get_by_label("Entry", exact=True).fill("Phoned the victim; she is frightened at night.")
    # It is about now unless changed; an impossible date is refused on the field, and the
    # boxes keep what was typed.
    when = page.get_by_role("group", name="When it happened")
    now = timezone.localtime()
    assert when.get_by_label("Year").input_value() == str(now.year)
    when.get_by_label("Day").fill("31")
    when.get_by_label("Month").fill("2")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_text("There is a problem").wait_for()
    assert when.get_by_label("Day").input_value() == "31"
    look_at(page, "34b-date-error")
    fill_date(page, "When it happened", now.replace(second=0, microsecond=0))
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Submit complaint").click()

    incident = Incident.objects.get(description=description)
    page.get_by_role("heading", name=f"Incident {incident.urn}").wait_for()
    look_at(page, "35-incident-page")
    assert incident.involvements.filter(person=known, role="victim").exists()
    assert incident.involvements.filter(role="perpetrator").get().person != known
    assert incident.current_risk == Incident.RiskLevel.HIGH
    assert incident.entries.count() == 1
    assert Person.objects.count() == 2

    # A document: a small text file.
    statement = tmp_path / "statement.txt"
    statement.write_text("Statement of the victim, taken at her home.")
    page.get_by_role("link", name="Upload a document").click()
    page.get_by_label("Upload a file").set_input_files(str(statement))
    page.get_by_label("Statement").check()
    look_at(page, "36-upload")
    page.get_by_role("button", name="Upload document").click()
    page.get_by_role("link", name="statement.txt").wait_for()
    assert incident.documents.get().original_name == "statement.txt"
    sign_out(page)

    # A basic user logs a skeleton complaint and alerts the officer.
    sign_in(page, "clerk")
    page.get_by_role("link", name="Log a complaint").first.click()
    page.get_by_role("button", name="Start a new complaint").click()
    page.get_by_role("link", name="Incident details").click()
    page.get_by_label("What happened?").fill("Caller reports shouting in the car park.")
    page.get_by_label("Where did it happen?").select_option(label="Blaby")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("link", name="Alert a colleague").click()
    page.get_by_label("Who should look at it?").select_option(label=str(officer))
    page.get_by_label("Message").fill("New complaint to allocate, please.")
    look_at(page, "37-alert-colleague")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Submit complaint").click()
    page.get_by_role("heading", name="Complaint logged").wait_for()
    skeleton = Incident.objects.get(description="Caller reports shouting in the car park.")
    assert skeleton.urn in page.content()
    look_at(page, "38-skeleton-logged")
    sign_out(page)

    sign_in(page, "officer")
    page.get_by_role("link", name="Inbox").click()
    page.get_by_role("link", name=skeleton.urn).wait_for()
    look_at(page, "39-inbox")
    assert Alert.objects.get(incident=skeleton).recipient == officer
