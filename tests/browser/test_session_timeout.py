"""The session time-out warning and autosaved drafts in Chromium (SPEC §17, WCAG 2.2.1).

The limits are shrunk for the test (25 seconds idle, the warning 20 seconds before): the
server reads them at each request and writes them on the page."""

import re
import time

import pytest

from access.models import FormDraft, UserGroup
from audit.models import AuditEvent
from incidents.services import log_complaint
from tests.access.factories import PASSWORD

from .conftest import look_at, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

IDLE, WARNING = 25, 20
DIALOG = "You will be signed out soon"


def dialog(page):
    return page.get_by_role("dialog", name=DIALOG)


def focused_text(page) -> str:
    return page.evaluate("document.activeElement.textContent").strip()


def wait_until(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_warned_kept_signed_in_then_timed_out_without_losing_what_was_typed(
    page, partnership, make_user, settings
):
    settings.SESSION_IDLE_TIMEOUT = IDLE
    settings.SESSION_WARNING_SECONDS = WARNING
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL, username="officer")
    incident = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Noise")
    edit = f"/incidents/{incident.urn}/edit/"

    sign_in(page, "officer")
    page.goto(edit)
    description = page.get_by_label("What happened?")
    description.fill("Loud music from number 12")
    description.focus()

    # The warning opens 20 seconds before the end, with the focus on "Stay signed in".
    dialog(page).wait_for(timeout=(IDLE - WARNING + 5) * 1000)
    assert focused_text(page) == "Stay signed in"
    assert re.search(r"sign you out in \d+ seconds", dialog(page).inner_text())
    assert "We will keep what you have typed" in dialog(page).inner_text()
    look_at(page, "90-session-warning")
    page.get_by_role("button", name="Stay signed in").click()
    dialog(page).wait_for(state="hidden")
    # Focus goes back to where it was, and the user carries on typing.
    assert page.evaluate("document.activeElement.name") == "description"
    typed = "Loud music from number 12 until 3am, three nights running."
    description.fill(typed)

    # Escape also means "Stay signed in".
    dialog(page).wait_for(timeout=(IDLE - WARNING + 5) * 1000)
    page.keyboard.press("Escape")
    dialog(page).wait_for(state="hidden")
    assert page.url.endswith(edit)

    # This time nobody answers: the draft is saved and the browser goes to sign in.
    dialog(page).wait_for(timeout=(IDLE - WARNING + 5) * 1000)
    page.wait_for_url(re.compile(r"/sign-in/\?next="), timeout=(WARNING + 10) * 1000)
    assert page.url.endswith(f"/sign-in/?next={edit.replace('/', '%2F')}")
    page.get_by_text("You have been signed out").wait_for()
    assert page.get_by_text("What you had typed has been kept").is_visible()
    look_at(page, "91-signed-out-after-time-out")
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.SESSION_EXPIRED, actor=officer)
    assert event.details["limit"] == "idle"
    assert FormDraft.objects.filter(user=officer, path=edit).count() == 1

    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name=f"Change incident {incident.urn}").wait_for()
    page.get_by_text(
        "We kept what you typed before you were signed out. Check it and save."
    ).wait_for()
    assert page.get_by_label("What happened?").input_value() == typed
    look_at(page, "92-draft-restored")
    # Offered back once: the draft is gone from the server.
    wait_until(lambda: not FormDraft.objects.filter(user=officer).exists())

    settings.SESSION_IDLE_TIMEOUT = 1800
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text(f"Incident {incident.urn} updated.").wait_for()
    incident.refresh_from_db()
    assert incident.description == typed
