"""Autosaved form drafts (SPEC §17: a timed-out form loses nothing): saved for their author
alone, offered back once after signing in again, swept after DRAFT_KEEP_DAYS."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access import tasks
from access.models import FormDraft, UserGroup
from incidents.services import log_complaint

BLABY = "Blaby District Council"
START = datetime(2026, 1, 14, 9, 0, tzinfo=ZoneInfo("Europe/London"))
WAITING = 'data-draft-waiting="true"'


@pytest.fixture
def officer(make_user):
    return make_user(BLABY, UserGroup.OPERATIONAL)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def save(client, path="/incidents/", form_key="form-0", data=None, **extra):
    body = {"path": path, "form_key": form_key, "data": data or {"description": ["Typed"]}}
    return client.post(
        reverse("form-draft-save"), json.dumps(body), content_type="application/json", **extra
    )


def fetch(client, path="/incidents/"):
    return client.get(reverse("form-draft-save"), {"path": path})


def delete(client, path="/incidents/", form_key=None):
    body = {"path": path} | ({"form_key": form_key} if form_key else {})
    return client.post(reverse("form-draft-delete"), body, content_type="application/json")


@pytest.mark.parametrize("group", UserGroup.values)
def test_a_draft_is_saved_read_back_and_deleted_once_restored(client, make_user, group):
    user = make_user(BLABY, group)
    client.force_login(user)
    typed = {"description": ["Shouting outside the shop"], "marking": ["restricted"]}

    assert save(client, "/incidents/ASB-2026-000001/edit/", data=typed).status_code == 201
    response = fetch(client, "/incidents/ASB-2026-000001/edit/")

    assert response.status_code == 200
    (draft,) = response.json()["drafts"]
    assert (draft["form_key"], draft["data"]) == ("form-0", typed)
    assert delete(client, "/incidents/ASB-2026-000001/edit/").status_code == 204
    assert fetch(client, "/incidents/ASB-2026-000001/edit/").status_code == 404


def test_saving_again_replaces_the_draft(client, officer):
    client.force_login(officer)
    save(client, data={"description": ["First"]})
    save(client, data={"description": ["Second"]})
    save(client, form_key="other-form", data={"note": ["Other"]})
    drafts = fetch(client).json()["drafts"]
    assert [(d["form_key"], d["data"]) for d in drafts] == [
        ("form-0", {"description": ["Second"]}),
        ("other-form", {"note": ["Other"]}),
    ]


def test_submitting_a_form_deletes_only_its_draft(client, officer):
    client.force_login(officer)
    save(client, form_key="form-0")
    save(client, form_key="form-1")
    assert delete(client, form_key="form-0").status_code == 204
    assert [d["form_key"] for d in fetch(client).json()["drafts"]] == ["form-1"]


@pytest.mark.parametrize("group", UserGroup.values)
@pytest.mark.parametrize("organisation", [BLABY, "Rutland County Council"])
def test_nobody_else_reads_or_deletes_a_draft(client, make_user, officer, group, organisation):
    client.force_login(officer)
    save(client)
    other = make_user(organisation, group)
    client.force_login(other)

    assert fetch(client).status_code == 404
    delete(client)

    assert FormDraft.objects.filter(user=officer).count() == 1
    # The other user's own draft of the same page is theirs alone.
    save(client, data={"description": ["Theirs"]})
    assert fetch(client).json()["drafts"][0]["data"] == {"description": ["Theirs"]}
    client.force_login(officer)
    assert fetch(client).json()["drafts"][0]["data"] == {"description": ["Typed"]}


def test_signed_out_visitors_get_401(client, db):
    assert save(client).status_code == 401
    assert fetch(client).status_code == 401
    assert delete(client).status_code == 401
    assert not FormDraft.objects.exists()


def test_a_draft_larger_than_the_limit_is_refused_with_413(client, officer, settings):
    client.force_login(officer)
    settings.DRAFT_MAX_BYTES = 100 * 1024
    response = save(client, data={"description": ["x" * 101 * 1024]})
    assert response.status_code == 413
    assert not FormDraft.objects.exists()
    assert save(client, data={"description": ["x" * 99 * 1024]}).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps(["a", "list"]),
        json.dumps({"path": "incidents/", "form_key": "f", "data": {}}),
        json.dumps({"path": "https://elsewhere.example/", "form_key": "f", "data": {}}),
        json.dumps({"path": "/x/" + "a" * 300, "form_key": "f", "data": {}}),
        json.dumps({"path": "/x/", "form_key": "", "data": {}}),
        json.dumps({"path": "/x/", "form_key": "f", "data": {"name": "not a list"}}),
        json.dumps({"path": "/x/", "form_key": "f", "data": {"name": [1, 2]}}),
        json.dumps({"path": "/x/", "form_key": "f", "data": []}),
    ],
)
def test_a_malformed_draft_is_refused_with_the_reason(client, officer, body):
    client.force_login(officer)
    response = client.post(reverse("form-draft-save"), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert not FormDraft.objects.exists()


def test_the_draft_endpoints_need_the_csrf_token(officer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    assert save(client).status_code == 403
    client.get(reverse("home"))
    assert save(client, HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value).status_code == 201


# --- Offered back after a time-out ----------------------------------------------------------


@pytest.fixture
def edit_path(officer, partnership):
    incident = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Noise")
    return reverse("incident-edit", args=[incident.urn])


def test_after_a_time_out_the_page_offers_its_draft_back_once(client, clock, officer, edit_path):
    client.force_login(officer)
    clock.shift(timedelta(minutes=10))
    assert client.get(edit_path).status_code == 200
    clock.shift(timedelta(minutes=29))
    save(client, edit_path, data={"description": ["Noise every night since May"]})
    clock.shift(timedelta(minutes=2))
    assert client.get(edit_path).status_code == 302
    assert "What you had typed has been kept" in client.session["access_sign_in_notice"]["text"]

    client.force_login(officer)  # signing in again, in the same browser
    page = client.get(edit_path).content.decode()
    assert WAITING in page
    assert WAITING not in client.get(reverse("home")).content.decode()
    assert fetch(client, edit_path).json()["drafts"][0]["data"] == {
        "description": ["Noise every night since May"]
    }
    delete(client, edit_path)
    assert WAITING not in client.get(edit_path).content.decode()


def test_a_draft_of_a_form_the_user_since_moved_on_from_is_not_offered(
    client, clock, officer, edit_path
):
    client.force_login(officer)
    save(client, edit_path)
    clock.shift(timedelta(minutes=5))
    client.get(reverse("home"))  # activity after the draft: the form was left behind
    clock.shift(timedelta(minutes=31))
    client.get(reverse("home"))
    assert "Sign in again to carry on" in client.session["access_sign_in_notice"]["text"]
    client.force_login(officer)
    assert WAITING not in client.get(edit_path).content.decode()


def test_another_user_signing_in_on_that_browser_is_not_offered_the_draft(
    client, clock, officer, make_user, edit_path
):
    client.force_login(officer)
    save(client, edit_path)
    clock.shift(timedelta(minutes=31))
    client.get(edit_path)
    colleague = make_user(BLABY, UserGroup.OPERATIONAL)
    client.force_login(colleague)
    assert WAITING not in client.get(edit_path).content.decode()


def test_offering_a_draft_costs_the_page_no_query(client, clock, officer, edit_path):
    client.force_login(officer)
    clock.shift(timedelta(minutes=1))
    client.get(edit_path)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            client.get(reverse("home"))
        return len(context.captured_queries)

    without = queries()
    save(client, reverse("home"))
    clock.shift(timedelta(minutes=31))
    client.get(reverse("home"))
    client.force_login(officer)
    client.get(edit_path)
    assert WAITING in client.get(reverse("home")).content.decode()
    assert queries() == without


# --- The sweep ----------------------------------------------------------------------------------


def test_drafts_older_than_the_keep_period_are_deleted_by_the_daily_task(
    client, clock, officer, make_user, settings
):
    settings.DRAFT_KEEP_DAYS = 7
    colleague = make_user(BLABY, UserGroup.ENHANCED)
    for user in (officer, colleague):
        client.force_login(user)
        save(client, "/old/")
    clock.shift(timedelta(days=6))
    client.force_login(officer)
    save(client, "/recent/")
    clock.shift(timedelta(days=1, seconds=1))

    assert tasks.delete_old_drafts.delay().get() == 2

    assert list(FormDraft.objects.values_list("path", flat=True)) == ["/recent/"]
    assert tasks.delete_old_drafts.delay().get() == 0
    assert "access.tasks.delete_old_drafts" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
