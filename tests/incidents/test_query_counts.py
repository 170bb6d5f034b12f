"""Lists and detail pages run a constant number of queries, whatever the data (a rule for
every page, CONTRIBUTING.md): 1 of everything costs the same as 10 of everything."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access.models import UserGroup
from incidents.models import Incident, RiskQuestion
from incidents.services import log_complaint
from incidents.services.documents import store_document
from incidents.services.risk import record_assessment
from incidents.services.tasks import raise_task
from incidents.services.worksheet import record_entry
from people.services import involve

# Every request: the session, the user (with their organisation).
# Home: the page's count and rows (the policy is subqueries inside them), the group's
# permissions (for the navigation). API list: count and rows, and the two classification
# lists of the page's incidents (prefetched).
EXPECTED = {"home": 5, "api": 6}
# Issue #8's goal for the detail page: at most 15 queries, constant, on PostgreSQL. On SQLite
# (development only) the page's audit event is chained in Python, in a transaction of its
# own: BEGIN, a read of the newest event, COMMIT.
DETAIL_BUDGET = 15


def _detail_budget() -> int:
    return DETAIL_BUDGET if connection.vendor == "postgresql" else DETAIL_BUDGET + 3


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


def _grow(incident, by, colleague, n):
    """Add n of everything a case holds, the way users add them."""
    answers = {q.pk: False for q in RiskQuestion.objects.filter(active=True)}
    for i in range(n):
        involve(
            incident,
            by=by,
            role="victim" if i % 2 else "witness",
            person_fields={"given_name": f"Person{i}", "family_name": "Example"},
        )
        record_entry(
            incident,
            by=by,
            kind="note",
            text=f"Note {i}",
            occurred_at=timezone.now() - datetime.timedelta(minutes=n - i),
        )
        raise_task(
            incident,
            by=by,
            assigned_to=colleague,
            title=f"Task {i}",
            due_on=timezone.localdate() + datetime.timedelta(days=3),
        )
        store_document(
            incident,
            by=by,
            uploaded_file=SimpleUploadedFile(f"note{i}.txt", b"Plain text note", "text/plain"),
            kind="other",
        )
        record_assessment(incident, by=by, answers=answers)


# As in production: no test transaction around the request, so a transaction the page opens
# itself (BEGIN ... COMMIT) is counted.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("url", ["page", "api"])
def test_detail_query_count_does_not_grow_with_what_the_case_holds(
    client, officer, make_user, partnership, url, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    colleague = make_user("Leicestershire County Council", UserGroup.ENHANCED)
    small = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Small")
    large = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Large")
    _grow(small, officer, colleague, 1)
    _grow(large, officer, colleague, 10)
    client.force_login(officer)

    def path(incident: Incident) -> str:
        if url == "page":
            return reverse("incident-detail", args=[incident.urn])
        return f"/api/v1/incidents/{incident.urn}/"

    few, many = _queries(client, path(small)), _queries(client, path(large))
    assert few == many <= _detail_budget()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_detail_page_costs_the_same_for_closed_open_and_high_risk_cases(
    client, officer, make_user, partnership
):
    """Issue #8: the page's queries do not depend on the case's state either: a closed case,
    an open one and an open High-risk one (daily monitoring, referral) cost the same."""
    from incidents.services.closure import approve_closure, submit_for_closure

    area = partnership.areas["Blaby"]
    approver = make_user("Leicestershire County Council", UserGroup.ENHANCED)
    closed = log_complaint(by=officer, area=area, description="Closed")
    submit_for_closure(closed, by=officer, summary="Resolved.", outcome="resolved")
    approve_closure(closed, by=approver)
    open_case = log_complaint(by=officer, area=area, description="Open")
    high = log_complaint(by=officer, area=area, description="High risk")
    record_assessment(
        high, by=officer, answers={q.pk: True for q in RiskQuestion.objects.filter(active=True)}
    )
    high.refresh_from_db()
    assert high.current_risk == Incident.RiskLevel.HIGH
    client.force_login(officer)

    counts = {
        case.description: _queries(client, reverse("incident-detail", args=[case.urn]))
        for case in (closed, open_case, high)
    }

    assert len(set(counts.values())) == 1, counts
    assert max(counts.values()) <= _detail_budget()
