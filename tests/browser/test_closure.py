"""Issue #4's closure journey: an operational user submits a case for closure; an enhanced user
opens the closure queue, returns one case with a reason and approves another."""

import pytest

from access.models import UserGroup
from incidents.models import Incident
from incidents.services import log_complaint
from incidents.services.closure import submit_for_closure

from .conftest import look_at, sign_in, sign_out

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_submit_return_and_approve(page, partnership, make_user):
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL, username="officer")
    make_user("Blaby District Council", UserGroup.ENHANCED, username="manager")
    blaby = partnership.areas["Blaby"]
    to_return = log_complaint(by=officer, area=blaby, description="Dog fouling on the green")
    to_close = log_complaint(by=officer, area=blaby, description="Noise from a party house")
    submit_for_closure(to_return, by=officer, summary="Signs put up.", outcome="improved")

    sign_in(page, "officer")
    page.goto(f"/incidents/{to_close.urn}/")
    page.get_by_role("link", name="Submit for closure").click()
    page.get_by_label("Resolved: the behaviour has stopped").check()
    page.get_by_label("Closing summary").fill("Tenancy warning given; no reports for 6 weeks.")
    look_at(page, "41-submit-for-closure")
    page.get_by_role("button", name="Submit for closure").click()
    page.get_by_text(f"Incident {to_close.urn} submitted for closure.").wait_for()
    sign_out(page)

    sign_in(page, "manager")
    page.get_by_role("link", name="Closure queue").click()
    page.get_by_role("heading", name="Closure queue").wait_for()
    look_at(page, "42-closure-queue")
    # Oldest first: the one submitted before the officer's journey.
    links = page.locator("tbody a").all_inner_texts()
    assert links == [to_return.urn, to_close.urn]

    page.get_by_role("link", name=to_return.urn).click()
    page.get_by_role("heading", name="Review the closure").wait_for()
    look_at(page, "43-review-closure")
    page.get_by_label("Reason").fill("Speak to the complainant before closing.")
    page.get_by_role("button", name="Return the case").click()
    page.get_by_role("heading", name="Closure queue").wait_for()

    page.get_by_role("link", name=to_close.urn).click()
    page.get_by_label("Note (optional)").fill("Good outcome.")
    page.get_by_role("button", name="Close the case").click()
    page.get_by_text("No cases are waiting for a decision.").wait_for()
    look_at(page, "44-queue-empty")

    to_return.refresh_from_db()
    to_close.refresh_from_db()
    assert to_return.status == Incident.Status.OPEN
    assert to_close.status == Incident.Status.CLOSED
    page.goto(f"/incidents/{to_return.urn}/")
    page.get_by_text("Returned for more work: Speak to the complainant before closing.").wait_for()
    look_at(page, "45-returned-case")
