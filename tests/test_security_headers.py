"""Headers and cookies that SPEC §17 asks for: a Content Security Policy without inline
script or style, `Cache-Control: no-store` on every page of a signed-in user (ASVS 14.2.1),
and HttpOnly, SameSite and (in production) Secure cookies."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, get_resolver, reverse

from access.models import UserGroup
from tests.access.factories import PASSWORD
from tests.test_settings import STRONG_KEY

BLABY = "Blaby District Council"


def policy_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def settings_in_subprocess(expression: str, **env) -> object:
    """The value of `expression` over django.conf.settings, as a fresh process started with
    these environment variables sees it (settings are read once, at start-up)."""
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    environment.update(env)
    code = f"import json; from django.conf import settings as s; print(json.dumps({expression}))"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- Content Security Policy -----------------------------------------------------------------


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_page_carries_a_policy_without_inline_script_or_style(client, make_user, signed_in):
    if signed_in:
        client.force_login(make_user(BLABY, UserGroup.OPERATIONAL))
    response = client.get(reverse("home" if signed_in else "sign-in"))
    assert response.status_code == 200
    policy = policy_of(response)
    for directive in ("script-src", "style-src"):
        assert policy[directive] == ["'self'"]
        assert "'unsafe-inline'" not in policy[directive]
        assert "'unsafe-eval'" not in policy[directive]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]


def test_map_tiles_are_allowed_from_the_configured_tile_server_only():
    img_src = settings_in_subprocess(
        "s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']",
        MAP_TILE_URL="https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
    )
    assert img_src == ["'self'", "data:", "https://*.tile.openstreetmap.org"]
    assert settings_in_subprocess(
        "s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']",
        MAP_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png",
    ) == ["'self'", "data:", "https://tiles.example.org"]


# --- Cache-Control: no-store ------------------------------------------------------------------


def _pages_without_arguments() -> list[str]:
    names = []
    for name in get_resolver().reverse_dict:
        if not isinstance(name, str):
            continue
        try:
            names.append(reverse(name))
        except NoReverseMatch:
            continue  # needs an identifier: sampled below
    return sorted(set(names))


@pytest.mark.parametrize("group", [UserGroup.OPERATIONAL, UserGroup.ADMINISTRATOR])
def test_no_page_of_a_signed_in_user_is_stored(client, scenario, make_user, group):
    incident = scenario.incidents["in_area"]
    client.force_login(make_user(BLABY, group))
    paths = [
        *_pages_without_arguments(),
        reverse("incident-detail", args=[incident.urn]),
        reverse("incident-edit", args=[incident.urn]),
        reverse("incident-history", args=[incident.urn]),
        reverse("incident-detail", args=["ASB-1999-999999"]),  # 404 too
    ]
    assert len(paths) > 30
    unstored = []
    for path in paths:
        if path == reverse("sign-out"):
            continue
        response = client.get(path)
        if "no-store" not in response.get("Cache-Control", ""):
            unstored.append(f"{path} ({response.status_code})")
    assert unstored == []


def test_static_files_may_be_cached(client, make_user):
    client.force_login(make_user(BLABY, UserGroup.OPERATIONAL))
    response = client.get("/static/js/app.mjs")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# --- Cookies ---------------------------------------------------------------------------------


def test_the_session_and_csrf_cookies_are_httponly_and_samesite(client, make_user):
    user = make_user(BLABY, UserGroup.OPERATIONAL)
    client.get(reverse("sign-in"))
    csrf = client.cookies[settings.CSRF_COOKIE_NAME]
    response = client.post(reverse("sign-in"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert int(session["max-age"]) <= settings.SESSION_ABSOLUTE_TIMEOUT
    assert csrf["samesite"] == "Lax"


def test_production_cookies_are_secure():
    values = settings_in_subprocess(
        "[s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SAMESITE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS >= 31536000, s.SESSION_COOKIE_AGE, s.SESSION_IDLE_TIMEOUT]",
        SENTINEL_ENV="production",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="asb.example.org",
    )
    assert values == [True, True, True, "Lax", "Lax", True, True, 12 * 3600, 30 * 60]


def test_pages_may_not_be_framed_and_send_no_referrer_elsewhere(client, db):
    response = client.get(reverse("sign-in"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
