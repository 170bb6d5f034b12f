"""Working the case: the lead officer writes on the working sheet, corrects an entry, raises a
task for an officer of another council and alerts a colleague; the other officer finds the
task in their inbox, opens the case it shares with them, and completes it."""

import datetime

import pytest
from django.utils import timezone

from access.models import UserGroup
from incidents.models import Task, WorkingSheetEntry
from incidents.services import log_complaint
from incidents.services.worksheet import add_entry

from .conftest import look_at, sign_in
from .dates import fill_date

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_working_sheet_tasks_and_inbox(page, partnership, make_user):
    lead = make_user("Rutland County Council", UserGroup.OPERATIONAL, username="lead.officer")
    make_user("Rutland County Council", UserGroup.ENHANCED, username="rutland.manager")
    helper = make_user("Blaby District Council", UserGroup.OPERATIONAL, username="blaby.officer")
    incident = log_complaint(
        by=lead, area=partnership.areas["Rutland"], description="Quad bikes on the playing field"
    )
    add_entry(
        incident,
        by=lead,
        kind=WorkingSheetEntry.Kind.VICTIM_CONTACT,
        text="Phoned the complainant; bikes come every evening after 6pm.",
        occurred_at=timezone.now() - datetime.timedelta(days=1),
    )

    sign_in(page, "lead.officer")
    page.goto(f"/incidents/{incident.urn}/")
    page.get_by_role("heading", name="Working sheet").wait_for()
    look_at(page, "inbox-01-incident-sections")

    # Add an entry: a mistake first, then put right.
    page.get_by_role("link", name="Add an entry").click()
    page.get_by_label("What happened or was decided?").fill("Visited the field at 7pm.")
    page.get_by_role("button", name="Add entry").click()
    page.get_by_role("alert").filter(has_text="There is a problem").wait_for()
    assert page.get_by_label("What happened or was decided?").input_value() == (
        "Visited the field at 7pm."
    )
    look_at(page, "inbox-02-add-entry-error")
    page.get_by_label("Kind of entry").select_option(label="Visit")
    page.get_by_role("button", name="Add entry").click()
    page.get_by_text("Entry added to the working sheet.").wait_for()

    # Correct the first entry.
    page.get_by_role("link", name="Correct the victim contact entry").click()
    page.get_by_role("heading", name="Correct a working sheet entry").wait_for()
    look_at(page, "inbox-03-correct-entry")
    page.get_by_label("The corrected entry").fill("The bikes come after 8pm, not 6pm.")
    page.get_by_role("button", name="Add correction").click()
    page.get_by_text("Correction added to the working sheet.").wait_for()
    assert page.locator("#working-sheet").get_by_text("Corrected", exact=True).count() == 1

    # Alert someone who cannot see the case: refused, with the way forward.
    page.get_by_role("link", name="Send an alert").click()
    page.get_by_label("Who needs to know?").select_option(label=str(helper))
    page.get_by_label("Message (optional)").fill("Can you help?")
    page.get_by_role("button", name="Send alert").click()
    page.get_by_role("alert").filter(has_text="Raise a task to share it").wait_for()
    assert page.get_by_label("Message (optional)").input_value() == "Can you help?"
    look_at(page, "inbox-04-alert-error")

    # Raise a task for the Blaby officer instead.
    page.get_by_role("link", name="Back to the incident").click()
    page.get_by_role("link", name="Raise a task").click()
    page.get_by_label("Who is the task for?").select_option(label=str(helper))
    page.get_by_label("What needs to be done?").fill("Check the Blaby end of the bridleway")
    fill_date(page, "Due date", timezone.localdate() + datetime.timedelta(days=2))
    look_at(page, "inbox-05-raise-task")
    page.get_by_role("button", name="Raise task").click()
    page.get_by_text(f"Task raised for {helper}.").wait_for()
    look_at(page, "inbox-06-incident-with-task")
    page.get_by_role("button", name="Sign out").click()

    # The Blaby officer finds the task in their inbox and completes it.
    sign_in(page, "blaby.officer")
    page.goto("/inbox/")
    page.get_by_role("heading", name="Tasks for you").wait_for()
    look_at(page, "inbox-07-inbox")
    page.get_by_role("link", name="Check the Blaby end of the bridleway").click()
    page.get_by_role("heading", name="Check the Blaby end of the bridleway").wait_for()
    look_at(page, "inbox-08-task")
    page.get_by_label("What was done?").fill("Walked it: gate now locked.")
    page.get_by_role("button", name="Mark as done").click()
    page.get_by_text("Task marked as done.").wait_for()
    assert Task.objects.get().status == Task.Status.DONE
    # The case is no longer theirs to see: the inbox keeps the URN without a link.
    assert page.get_by_text("You can no longer see this incident.").count() == 1
    look_at(page, "inbox-09-after-completing")
    page.get_by_role("button", name="Mark as read").first.click()
    page.get_by_role("heading", name="Inbox").wait_for()
