"""A complaint is logged once, however often "Submit complaint" is pressed: at once from two
tabs, twice in a hurry, or again after pressing Back (hostile testing found two incidents
from one draft five times out of five)."""

import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from access.models import UserGroup
from incidents.models import ComplaintDraft, Incident
from tests.conftest import skip_or_fail


def _details(area) -> dict:
    return {
        "description": "A car alarm sounding every night on Holly Close.",
        "area": area.pk,
        "marking": "restricted",
        "address": "7 Holly Close",
        "postcode": "LE19 4HC",
    }


def _draft(client, area) -> ComplaintDraft:
    assert client.post(reverse("log-complaint")).status_code == 302
    draft = ComplaintDraft.objects.latest("pk")
    saved = client.post(reverse("complaint-section", args=[draft.pk, "details"]), _details(area))
    assert saved.status_code == 302
    return draft


@pytest.fixture
def officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


def test_submitting_again_lands_on_the_case_already_logged(client, officer, partnership):
    client.force_login(officer)
    draft = _draft(client, partnership.areas["Blaby"])
    first = client.post(reverse("complaint-submit", args=[draft.pk]))
    incident = Incident.objects.get()
    assert first.url == reverse("incident-detail", args=[incident.urn])

    again = client.post(reverse("complaint-submit", args=[draft.pk]), follow=True)

    assert Incident.objects.count() == 1
    assert again.redirect_chain[-1][0] == reverse("incident-detail", args=[incident.urn])
    assert f"already submitted as {incident.urn}" in again.content.decode()


@pytest.mark.parametrize("page", ["complaint-tasks", "complaint-section"])
def test_back_after_submitting_lands_on_the_case(client, officer, partnership, page):
    client.force_login(officer)
    draft = _draft(client, partnership.areas["Blaby"])
    client.post(reverse("complaint-submit", args=[draft.pk]))
    incident = Incident.objects.get()
    args = [draft.pk] if page == "complaint-tasks" else [draft.pk, "details"]

    back = client.get(reverse(page, args=args), follow=True)

    assert back.status_code == 200
    assert back.redirect_chain[-1][0] == reverse("incident-detail", args=[incident.urn])
    assert f"already submitted as {incident.urn}" in back.content.decode()


def test_a_submitted_draft_keeps_nothing_typed_and_is_not_offered_to_resume(
    client, officer, partnership
):
    client.force_login(officer)
    draft = _draft(client, partnership.areas["Blaby"])
    client.post(reverse("complaint-submit", args=[draft.pk]))

    draft.refresh_from_db()
    assert draft.data == {}
    assert draft.completed == []
    start = client.get(reverse("log-complaint")).content.decode()
    assert reverse("complaint-tasks", args=[draft.pk]) not in start


def test_a_basic_user_submitting_again_is_shown_the_reference_once_more(
    client, make_user, partnership
):
    basic = make_user("Blaby District Council", UserGroup.BASIC)
    client.force_login(basic)
    draft = _draft(client, partnership.areas["Blaby"])
    client.post(reverse("complaint-submit", args=[draft.pk]))
    incident = Incident.objects.get()

    again = client.post(reverse("complaint-submit", args=[draft.pk]), follow=True)

    assert Incident.objects.count() == 1
    page = again.content.decode()
    assert f"already submitted as {incident.urn}" in page
    # A basic user never opens the record: they are not sent to it.
    assert all("/incidents/" not in url for url, _status in again.redirect_chain)


def test_someone_elses_submitted_draft_is_still_not_found(client, officer, make_user, partnership):
    client.force_login(officer)
    draft = _draft(client, partnership.areas["Blaby"])
    client.post(reverse("complaint-submit", args=[draft.pk]))
    colleague = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    client.force_login(colleague)

    assert client.post(reverse("complaint-submit", args=[draft.pk])).status_code == 404
    assert client.get(reverse("complaint-tasks", args=[draft.pk])).status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("attempt", range(5))
def test_two_submissions_at_once_log_one_incident(officer, partnership, attempt):
    if connections["default"].vendor != "postgresql":
        skip_or_fail("concurrent requests need PostgreSQL")
    setup = Client()
    setup.force_login(officer)
    draft = _draft(setup, partnership.areas["Blaby"])
    barrier = threading.Barrier(2, timeout=30)
    results, errors = [], []

    def press_submit():
        # Two tabs of one browser: the same session (signing in again would end the first
        # session, as the one-session rule says).
        client = Client()
        client.cookies = setup.cookies
        try:
            barrier.wait()
            results.append(client.post(reverse("complaint-submit", args=[draft.pk])))
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press_submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    incident = Incident.objects.get()
    assert sorted(response.status_code for response in results) == [302, 302]
    assert {response.url for response in results} == {
        reverse("incident-detail", args=[incident.urn])
    }
