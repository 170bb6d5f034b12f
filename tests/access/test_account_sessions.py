"""Your account's "Where you are signed in" (M3): only the sessions still running, each with
its browser and device, address, sign-in and last use, this device marked; signing out one
of the others; the rows of ended sessions forgotten at the next sign-in."""

import html
import re
import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from access.account_sessions import describe_device
from access.models import SignedInSession, UserGroup
from access.sessions import LAST_ACTIVITY, SIGNED_IN_AT
from audit.models import AuditEvent
from tests.access.factories import PASSWORD

BLABY = "Blaby District Council"

CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86"
)
FIREFOX_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
)
FIREFOX_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.6778.81 Mobile Safari/537.36"
)


@pytest.fixture
def officer(make_user):
    return make_user(BLABY, UserGroup.OPERATIONAL)


def browser(user, user_agent: str, address: str) -> Client:
    """A browser of its own, signed in through the sign-in page."""
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)
    response = client.post(reverse("sign-in"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "the password was refused"
    return client


def listed(client) -> list[list[str]]:
    """The account page's sessions, each as text: [device, signed in, address, last used,
    action]."""
    page = client.get(reverse("account")).content.decode()
    table = re.search(r"Where you are signed in.*?<tbody[^>]*>(.*?)</tbody>", page, re.S).group(1)
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        device, *cells = [
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        rows.append([*device.split(" Signed in "), *cells])
    return rows


def devices(client) -> list[str]:
    return [row[0] for row in listed(client)]


def age_session(client, **seconds_ago) -> None:
    """Move a browser's session clocks back (`signed_in=`, `last_activity=` seconds)."""
    session = client.session
    now = time.time()
    if "signed_in" in seconds_ago:
        session[SIGNED_IN_AT] = now - seconds_ago["signed_in"]
    if "last_activity" in seconds_ago:
        session[LAST_ACTIVITY] = now - seconds_ago["last_activity"]
    session.save()


@pytest.fixture
def browsers(officer):
    """The officer signed in on six browsers, then four of the sessions ended in four ways
    (after the last sign-in, which would forget them): two still running."""
    here = browser(officer, CHROME_LINUX, "192.0.2.10")
    elsewhere = browser(officer, EDGE_WINDOWS, "198.51.100.7")
    idle = browser(officer, FIREFOX_WINDOWS, "198.51.100.8")
    too_long = browser(officer, SAFARI_IPHONE, "198.51.100.9")
    signed_out = browser(officer, FIREFOX_MAC, "203.0.113.4")
    forgotten = browser(officer, CHROME_ANDROID, "203.0.113.5")
    age_session(idle, last_activity=31 * 60)  # past the 30-minute idle limit
    age_session(too_long, signed_in=13 * 3600, last_activity=60)  # past the 12-hour limit
    signed_out.post(reverse("sign-out"))
    # The session store forgot it (expired there, or cleared) without a sign-out.
    Session.objects.filter(session_key=forgotten.session.session_key).delete()
    return {"here": here, "elsewhere": elsewhere, "idle": idle, "too_long": too_long}


def test_the_account_page_lists_only_the_sessions_still_signed_in(officer, browsers):
    here, elsewhere = listed(browsers["here"])  # this device first
    device, _signed_in, address, last_used, action = here
    assert (device, address, last_used, action) == (
        "Chrome on Linux",
        "192.0.2.10",
        "Now",
        "This device",
    )
    device, _signed_in, address, _last_used, action = elsewhere
    assert (device, address) == ("Edge on Windows", "198.51.100.7")
    assert action.startswith("Sign out Edge on Windows")
    # The ended sessions still have their rows until the officer next signs in.
    assert SignedInSession.objects.filter(user=officer).count() == 5


def test_the_next_sign_in_forgets_the_ended_sessions(officer, browsers):
    browser(officer, FIREFOX_MAC, "203.0.113.4")
    devices = {describe_device(s.user_agent) for s in SignedInSession.objects.filter(user=officer)}
    assert devices == {"Chrome on Linux", "Edge on Windows", "Firefox on a Mac"}
    # Their sessions are gone from the store too: the cookie of the idle one opens nothing.
    assert browsers["idle"].get(reverse("account")).status_code == 302


def test_signing_out_another_session(officer, browsers):
    here, elsewhere = browsers["here"], browsers["elsewhere"]
    target = SignedInSession.objects.get(session_key=elsewhere.session.session_key)
    response = here.post(reverse("account-session-sign-out", args=[target.pk]), follow=True)
    page = html.unescape(response.content.decode())
    assert re.search(
        r"Edge on Windows, signed in \d+ \w+ \d{4} \d\d:\d\d, has been signed out.", page
    )
    assert devices(here) == ["Chrome on Linux"]
    # That browser is signed out at once; this one carries on.
    assert elsewhere.get(reverse("account")).url.startswith(reverse("sign-in"))
    assert here.get(reverse("account")).status_code == 200
    event = AuditEvent.objects.filter(event_type=AuditEvent.Type.SIGNED_OUT).latest("id")
    assert event.actor == officer and event.target_id == str(officer.pk)
    assert event.details["other_session"] == target.pk
    assert event.details["device"] == "Edge on Windows"
    assert target.session_key not in str(event.details)


def test_this_session_and_other_peoples_are_not_signed_out_from_here(officer, browsers, make_user):
    here = browsers["here"]
    this_one = SignedInSession.objects.get(session_key=here.session.session_key)
    colleague = make_user(BLABY, UserGroup.OPERATIONAL)
    theirs_browser = browser(colleague, EDGE_WINDOWS, "198.51.100.30")
    theirs = SignedInSession.objects.get(user=colleague)
    denials = AuditEvent.objects.filter(event_type=AuditEvent.Type.ACCESS_DENIED)
    for session in (this_one, theirs):
        before = denials.count()
        url = reverse("account-session-sign-out", args=[session.pk])
        assert here.post(url).status_code == 404
        assert denials.count() == before + 1
    assert here.get(reverse("account")).status_code == 200
    assert theirs_browser.get(reverse("account")).status_code == 200
    assert here.get(reverse("account-session-sign-out", args=[theirs.pk])).status_code == 405


@pytest.mark.parametrize(
    ("user_agent", "described"),
    [
        (CHROME_LINUX, "Chrome on Linux"),
        (EDGE_WINDOWS, "Edge on Windows"),
        (FIREFOX_MAC, "Firefox on a Mac"),
        (SAFARI_IPHONE, "Safari on an iPhone"),
        (CHROME_ANDROID, "Chrome on Android"),
        ("curl/8.5.0", "An unknown browser"),
        ("", "An unknown browser"),
    ],
)
def test_devices_in_words(user_agent, described):
    assert describe_device(user_agent) == described
