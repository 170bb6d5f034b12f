"""Fixtures for the search and reporting tests."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import UserGroup
from incidents.models import AggravatingFactor, Incident
from incidents.services import log_complaint

NOW = timezone.now()


def reported(days_ago: int) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days_ago)


@pytest.fixture
def reporting_client(client):
    """A client signed in as `user` with a purpose stated for the reporting module:
    reporting_client(user) -> client."""

    def sign_in(user, purpose="Monthly hotspot analysis for the tasking meeting"):
        client.force_login(user)
        response = client.post(reverse("report-purpose"), {"purpose": purpose})
        assert response.status_code == 302, response.content[:500]
        return client

    return sign_in


@pytest.fixture
def sign_in(client, request):
    """sign_in(user, purpose=...) -> client, with a purpose already in the session (the test
    module's PURPOSE by default); purpose=None signs in without stating one. Quicker than
    `reporting_client`, which goes through the purpose page."""
    from reports.views.common import SESSION_KEY

    default = getattr(request.module, "PURPOSE", "Hotspot analysis for the tasking meeting")

    def sign_in(user, purpose=default):
        client.force_login(user)
        if purpose:
            session = client.session
            session[SESSION_KEY] = purpose
            session.save()
        return client

    return sign_in


@pytest.fixture
def analyst(make_user):
    return make_user("Blaby District Council", UserGroup.ANALYST, username="blaby.analyst")


@pytest.fixture
def world(partnership, make_user):
    """Incidents across the county, as a Blaby analyst will meet them."""
    rutland = make_user("Rutland County Council", UserGroup.OPERATIONAL)
    blaby = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    race = AggravatingFactor.objects.get(code="race")
    areas = partnership.areas
    return {
        "rutland_race": log_complaint(
            by=rutland, area=areas["Rutland"], description="Abuse shouted at a family",
            received_at=reported(10), aggravating_factors=[race], category="personal",
        ),
        "rutland_old": log_complaint(
            by=rutland, area=areas["Rutland"], description="Fly-tipping on the verge",
            received_at=reported(400), category="environmental",
        ),
        "rutland_confidential": log_complaint(
            by=rutland, area=areas["Rutland"], description="A confidential matter",
            received_at=reported(5), marking=Incident.Marking.CONFIDENTIAL,
            aggravating_factors=[race],
        ),
        "blaby_confidential": log_complaint(
            by=blaby, area=areas["Blaby"], description="Our own confidential case",
            received_at=reported(5), marking=Incident.Marking.CONFIDENTIAL,
        ),
        "blaby_noise": log_complaint(
            by=blaby, area=areas["Blaby"], description="Loud music every night",
            received_at=reported(20), category="nuisance",
        ),
        "users": {"rutland": rutland, "blaby": blaby},
    }  # fmt: skip
