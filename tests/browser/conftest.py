"""Browser tests: Debian's Chromium driven by Playwright through a live server.

No test tool downloads a browser: Playwright launches the system Chromium. Every page a
journey visits is screenshotted (var/test-artifacts/screenshots/) and scanned by axe-core
(installed from npm) for WCAG 2.2 AA violations.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import skip_or_fail
from tests.support.two_factor import give_totp_device, next_code

SCREENSHOTS = Path(settings.VAR_DIR) / "test-artifacts" / "screenshots"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


@pytest.fixture
def browser(transactional_db):
    # Function-scoped, and after the database: Playwright's sync API keeps an event loop
    # alive in this thread, and while it runs Django's per-context connections resolve
    # differently, so the test database's teardown (flush, then restore of the migrations'
    # data such as the user groups) must happen after the browser has closed.
    path = _chromium()
    if not path:
        skip_or_fail("Chromium is not installed (Debian: apt-get install chromium)")
    if not AXE.exists():
        skip_or_fail("axe-core is not installed (npm ci)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django's ORM refuses to run
    # beside one unless told that it is safe, which it is here (one thread, no awaiting).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
            # Connections opened while Playwright's loop ran belong to that context: close
            # them here, or the test database cannot be dropped at the end of the run.
            connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(transactional_db, browser, live_server):
    # bypass_csp lets the test inject axe-core; the app's own pages run no inline script.
    context = browser.new_context(
        base_url=live_server.url, bypass_csp=True, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and "/static/" in r.url
            else None
        ),
    )
    yield page
    context.close()
    assert problems == [], "JavaScript errors or missing assets"


def look_at(page, name: str) -> None:
    """Screenshot the page and assert axe-core finds no WCAG 2.2 AA violation on it."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
    ]
    assert violations == [], f"axe-core on {name}"


def marking_banners(page) -> tuple[str, str]:
    top = page.locator(".app-marking--top").inner_text().strip()
    bottom = page.locator(".app-marking--bottom").inner_text().strip()
    return top, bottom


def sign_in(page, username: str, password: str | None = None) -> None:
    """Sign in through the sign-in page, as a person would, and wait for the page it lands
    on: the dashboard, or for a basic user the incidents page.

    A user who needs a second factor (administrators, analysts, anyone who set it up) is
    given a TOTP device beforehand if they have none, and the code their app would show is
    typed at the two-factor step."""
    from tests.access.factories import PASSWORD

    device = _device_for(username)
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password or PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if device is not None:
        page.get_by_role("heading", level=1, name="Enter your two-factor code").wait_for()
        page.get_by_label("Code from your authenticator app").fill(next_code(device))
        page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", level=1, name=re.compile(r"^(Dashboard|Incidents)$")).wait_for()


def _device_for(username: str):
    from access import policy
    from access.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        return None
    if policy.requires_two_factor(user):
        return give_totp_device(user)
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.get_by_role("heading", name="Sign in").wait_for()
