"""An operational user signs in, logs a complaint, finds it in the list and opens it."""

import re

import pytest

from access.models import UserGroup
from incidents.models import Incident
from incidents.services import log_complaint
from tests.access.factories import PASSWORD

from .conftest import look_at, marking_banners

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_operational_user_logs_a_complaint_and_opens_it(page, partnership, make_user):
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL, username="sam.officer")
    colleague = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    rutland_officer = make_user("Rutland County Council", UserGroup.OPERATIONAL)
    log_complaint(by=colleague, area=partnership.areas["Blaby"], description="Earlier case")
    log_complaint(by=rutland_officer, area=partnership.areas["Rutland"], description="Not ours")

    page.goto("/")
    assert page.url.endswith("/sign-in/?next=/")
    look_at(page, "01-sign-in")
    page.get_by_label("Username").fill("sam.officer")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").filter(has_text="There is a problem").is_visible()
    look_at(page, "02-sign-in-error")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("heading", name="Incidents").wait_for()
    assert marking_banners(page) == ("RESTRICTED", "RESTRICTED")
    look_at(page, "03-home")
    assert page.get_by_role("link", name=re.compile(r"ASB-\d{4}-\d{6}")).count() == 1

    page.get_by_role("link", name="Log a complaint").first.click()
    page.get_by_role("heading", name="Log a complaint").wait_for()
    look_at(page, "04-log-complaint-start")
    page.get_by_role("button", name="Start a new complaint").click()
    page.get_by_role("link", name="Incident details").wait_for()
    look_at(page, "05-complaint-task-list")
    page.get_by_role("link", name="Incident details").click()
    description = "Two men shouting abuse at passers-by outside the chip shop every Friday."
    page.get_by_label("What happened?").fill(description)
    page.get_by_role("button", name="Save and continue").click()
    # Bad input: a field-level message, and what was typed is still there.
    page.get_by_role("alert").filter(has_text="There is a problem").wait_for()
    assert page.get_by_label("What happened?").input_value() == description
    look_at(page, "06-incident-details-error")
    page.get_by_label("Where did it happen?").select_option(label="Blaby")
    page.get_by_label("CONFIDENTIAL").check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Submit complaint").click()

    incident = Incident.objects.get(description=description)
    assert (incident.created_by, incident.lead_officer) == (officer, officer)
    page.get_by_role("heading", name=f"Incident {incident.urn}").wait_for()
    assert marking_banners(page) == ("CONFIDENTIAL", "CONFIDENTIAL")
    look_at(page, "07-incident-logged")

    page.get_by_role("link", name="Incidents", exact=True).click()
    page.get_by_role("link", name=incident.urn).click()
    page.get_by_role("heading", name=f"Incident {incident.urn}").wait_for()
    assert description in page.content()
    look_at(page, "08-incident-detail")
