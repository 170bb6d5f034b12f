"""Fixtures for the search and reporting tests."""

import pytest
from django.urls import reverse


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
