"""V5: a record out of scope is indistinguishable from one that does not exist, and each
attempt is a security event."""

import re

import pytest
from django.urls import reverse

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.services import log_complaint

MISSING_URN = "ASB-2026-999999"


@pytest.fixture
def out_of_scope(partnership, make_user):
    city_officer = make_user("Leicester City Council", UserGroup.OPERATIONAL)
    return log_complaint(
        by=city_officer, area=partnership.areas["Leicester City"], description="Graffiti"
    )


@pytest.fixture
def blaby_officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


@pytest.mark.parametrize("kind", ["page", "api"])
def test_out_of_scope_and_missing_answer_alike(kind, client, blaby_officer, out_of_scope):
    client.force_login(blaby_officer)

    def fetch(urn):
        if kind == "page":
            return client.get(reverse("incident-detail", args=[urn]))
        return client.get(f"/api/v1/incidents/{urn}/")

    forbidden, missing = fetch(out_of_scope.urn), fetch(MISSING_URN)

    assert forbidden.status_code == missing.status_code == 404
    assert _comparable(forbidden, out_of_scope.urn) == _comparable(missing, MISSING_URN)


def _comparable(response, urn: str) -> bytes:
    """The body without the URN asked for and the CSRF token, which is masked afresh on
    every response whether or not the record exists."""
    body = response.content.replace(urn.encode(), b"")
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)


def test_each_denied_attempt_is_a_security_event(client, blaby_officer, out_of_scope):
    client.force_login(blaby_officer)
    client.get(reverse("incident-detail", args=[out_of_scope.urn]))
    client.get(f"/api/v1/incidents/{MISSING_URN}/", REMOTE_ADDR="192.0.2.10")

    denied = AuditEvent.objects.filter(event_type=AuditEvent.Type.ACCESS_DENIED).order_by("id")
    assert [(e.target_type, e.target_id, e.details["exists"]) for e in denied] == [
        ("incident", out_of_scope.urn, True),
        ("incident", MISSING_URN, False),
    ]
    for event in denied:
        assert event.actor == blaby_officer
        assert event.organisation == blaby_officer.organisation
        assert event.outcome == AuditEvent.Outcome.DENIED
        assert event.details["action"] == "view"
        assert event.occurred_at is not None
    assert denied[1].ip_address == "192.0.2.10"
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.INCIDENT_VIEWED).exists()


def test_a_view_is_logged_by_the_getter(client, make_user, out_of_scope):
    city_manager = make_user("Leicester City Council", UserGroup.ENHANCED)
    client.force_login(city_manager)

    assert client.get(reverse("incident-detail", args=[out_of_scope.urn])).status_code == 200
    assert client.get(f"/api/v1/incidents/{out_of_scope.urn}/").status_code == 200

    views = AuditEvent.objects.filter(
        event_type=AuditEvent.Type.INCIDENT_VIEWED, target_id=out_of_scope.urn
    )
    assert views.count() == 2
    assert {e.actor for e in views} == {city_manager}


def test_anonymous_users_are_sent_to_sign_in_and_the_api_refuses_them(client, out_of_scope):
    page = client.get(reverse("incident-detail", args=[out_of_scope.urn]))
    assert page.status_code == 302
    assert page.url.startswith(reverse("sign-in"))
    assert client.get(f"/api/v1/incidents/{out_of_scope.urn}/").status_code in (401, 403)
    assert client.get("/api/v1/incidents/").status_code in (401, 403)
