"""Lists and detail pages run a constant number of queries, whatever the data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access.models import UserGroup
from incidents.services import log_complaint

# Every request: the session, the user (with their organisation).
# Home: the page's count and rows (the policy is subqueries inside them), the group's
# permissions (for the navigation). API list: count and rows.
# Detail: permissions (the edit rule asks has_perm), the incident, the audit insert.
EXPECTED = {"home": 5, "api": 4}
DETAIL_QUERIES = 5


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.fixture
def officer(make_user):
    return make_user("Leicestershire County Council", UserGroup.OPERATIONAL)


def _log(officer, partnership, n):
    for i in range(n):
        area = partnership.areas["Blaby" if i % 2 else "Melton"]
        log_complaint(by=officer, area=area, description=f"Incident {i}")


@pytest.mark.parametrize("url", ["home", "api"])
def test_list_query_count_does_not_grow_with_incidents(client, officer, partnership, url):
    client.force_login(officer)
    path = reverse("home") if url == "home" else "/api/v1/incidents/"
    _log(officer, partnership, 2)
    few = _queries(client, path)
    _log(officer, partnership, 40)
    many = _queries(client, path)
    assert few == many == EXPECTED[url]


def test_detail_query_count_is_fixed(client, officer, partnership):
    client.force_login(officer)
    _log(officer, partnership, 1)
    from incidents.models import Incident

    urn = Incident.objects.get().urn
    assert _queries(client, reverse("incident-detail", args=[urn])) == DETAIL_QUERIES
