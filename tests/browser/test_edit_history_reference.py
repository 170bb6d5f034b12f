"""Pages outside the main journeys, looked at as a person would: changing an incident (and the
conflict screen), its history, and the administrators' reference data."""

import pytest

from access.models import UserGroup
from incidents.services import log_complaint
from incidents.services.incident import update_incident

from .conftest import look_at, sign_in, sign_out

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_edit_conflict_history_and_reference_data(page, partnership, make_user):
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL, username="officer")
    colleague = make_user("Blaby District Council", UserGroup.ENHANCED)
    make_user("Blaby District Council", UserGroup.ADMINISTRATOR, username="admin")
    incident = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Noise")

    sign_in(page, "officer")
    page.goto(f"/incidents/{incident.urn}/edit/")
    look_at(page, "51-edit-incident")
    typed = "Loud music from number 12 until 3am, three nights running."
    page.get_by_label("What happened?").fill(typed)
    # Someone else saves first.
    update_incident(incident, by=colleague, expected_version=1, address="12 Elm Road")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Someone else changed this incident while you were editing it").wait_for()
    assert page.get_by_label("What happened?").input_value() == typed
    look_at(page, "52-edit-conflict")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text(f"Incident {incident.urn} updated.").wait_for()

    page.get_by_role("link", name="History").first.click()
    page.get_by_role("heading", name=f"History of incident {incident.urn}").wait_for()
    assert "12 Elm Road" in page.content()
    look_at(page, "53-history")
    sign_out(page)

    sign_in(page, "admin")
    page.get_by_role("link", name="Reference data").click()
    look_at(page, "54-reference-data")
    page.get_by_role("link", name="Manage PEN codes").click()
    look_at(page, "55-pen-codes")
    page.get_by_role("link", name="Add an item").click()
    page.get_by_label("Code").fill("ASB15")
    page.get_by_label("Label").fill("Demo code for a local problem")
    look_at(page, "56-add-pen-code")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("cell", name="ASB15", exact=True).wait_for()
    page.goto("/reference-data/case-rules/")
    look_at(page, "57-case-rules")
