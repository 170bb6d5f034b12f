"""The real pages run under the Content Security Policy (SPEC §17: no inline script; no
inline style either). Unlike the shared `page` fixture, this browser context does not
bypass the policy (axe-core is not injected here), so any inline script, style="" attribute,
<style> element or outside source is refused by Chromium, which reports it in the console:
the test fails on any such report or `securitypolicyviolation` event."""

import re
from decimal import Decimal

import pytest

from access.models import UserGroup
from incidents.services import log_complaint

from .conftest import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Playwright evaluates this through the DevTools protocol, which the page's policy does
# not govern; it turns every violation event into a console message.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`securitypolicyviolation: ${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def strict_page(transactional_db, browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    page.violations = []
    page.errors = []

    def on_console(message):
        text = message.text
        if "Content Security Policy" in text or "securitypolicyviolation" in text:
            page.violations.append(f"{page.url}: {text}")
        elif message.type == "error":
            page.errors.append(f"{page.url}: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.errors.append(f"{page.url}: {error}"))
    yield page
    context.close()


def visit(page, path: str, heading) -> None:
    page.goto(path)
    page.get_by_role("heading", level=1, name=heading).wait_for()
    page.wait_for_load_state("networkidle")


def test_the_detector_sees_a_violation(strict_page):
    """The check below can fail: an inline style set on a page is refused and reported."""
    strict_page.goto("/sign-in/")
    strict_page.evaluate("document.body.setAttribute('style', 'color: red')")
    strict_page.wait_for_timeout(300)
    assert strict_page.violations, "an inline style was not reported"


def test_the_main_pages_run_under_the_policy(strict_page, partnership, make_user, settings):
    settings.MAP_TILE_URL = ""
    page = strict_page
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL, username="officer")
    make_user("Blaby District Council", UserGroup.ADMINISTRATOR, username="admin")
    incident = log_complaint(
        by=officer,
        area=partnership.areas["Blaby"],
        description="Fireworks let off in the park late at night",
        latitude=Decimal("52.5700"),
        longitude=Decimal("-1.1900"),
    )

    visit(page, "/sign-in/", "Sign in")
    sign_in(page, "officer")
    visit(page, "/dashboard/", "Dashboard")
    visit(page, "/", "Incidents")
    visit(page, f"/incidents/{incident.urn}/", f"Incident {incident.urn}")
    visit(page, f"/incidents/{incident.urn}/edit/", f"Change incident {incident.urn}")
    visit(page, "/inbox/", "Inbox")
    page.get_by_role("link", name="Log a complaint").first.click()
    page.get_by_role("button", name="Start a new complaint").click()
    page.get_by_role("link", name="Incident details").click()
    page.get_by_label("What happened?").fill("Young people throwing stones at buses")
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label("Search for").fill("fireworks")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("link", name=incident.urn).wait_for()
    visit(page, "/account/", re.compile("account", re.IGNORECASE))

    # The time-out warning opens under the policy too; its "Sign out" signs out.
    settings.SESSION_IDLE_TIMEOUT, settings.SESSION_WARNING_SECONDS = 25, 22
    page.goto(f"/incidents/{incident.urn}/edit/")
    page.get_by_label("What happened?").fill("More fireworks")
    warning = page.get_by_role("dialog", name="You will be signed out soon")
    warning.wait_for(timeout=10_000)
    warning.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", level=1, name="Sign in").wait_for()
    settings.SESSION_IDLE_TIMEOUT, settings.SESSION_WARNING_SECONDS = 1800, 120

    sign_in(page, "admin")
    visit(page, "/reports/", "Before you run reports")
    page.get_by_label("Why are you running reports today?").fill("Policy test of the pages")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Ad-hoc report").wait_for()
    page.get_by_role("button", name="Run report").click()
    page.get_by_role("heading", name="Results").wait_for()
    page.get_by_role("link", name="Hotspots and repeats").click()
    page.locator(".leaflet-container").wait_for()
    page.wait_for_load_state("networkidle")
    visit(page, "/reports/statistics/", "Statistics for publication")
    for name in ("admin-users", "audit-events", "reference-index"):
        page.goto(_url(name))
        page.get_by_role("heading", level=1).first.wait_for()
        page.wait_for_load_state("networkidle")

    assert page.violations == []
    assert page.errors == []


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)
