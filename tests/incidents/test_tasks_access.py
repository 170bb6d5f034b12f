"""Every task and alert page and API route, for every group against an in-area, an
out-of-area and a shared incident (tests/access/scenario.py): 200/302/201 or 404 (V5)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import UserGroup
from incidents.models import Alert, Task
from incidents.services.tasks import raise_task, send_alert
from tests.access.scenario import GROUPS, RECORDS, expect


@pytest.fixture
def world(scenario, make_user):
    """A task on each incident (held by someone outside the scenario's groups) and, for each
    incident, a colleague who can see it and so may be alerted."""
    raisers = {
        "in_area": scenario.user(UserGroup.OPERATIONAL),
        "out_of_area": scenario.rutland_officer,
        "shared": scenario.rutland_officer,
    }
    holder = make_user("Leicestershire Police", UserGroup.OPERATIONAL)
    tasks = {
        record: raise_task(
            scenario.incidents[record],
            by=raisers[record],
            assigned_to=holder,
            title=f"Task on the {record} case",
            due_on=timezone.localdate() + datetime.timedelta(days=3),
        )
        for record in RECORDS
    }
    colleagues = {
        "in_area": scenario.user(UserGroup.ENHANCED),
        "out_of_area": scenario.rutland_officer,
        "shared": scenario.rutland_officer,
    }
    return {"tasks": tasks, "colleagues": colleagues, "holder": holder}


def _status(allowed: bool, ok: int = 200) -> int:
    return ok if allowed else 404


def _due() -> str:
    return (timezone.localdate() + datetime.timedelta(days=5)).isoformat()


# --- Pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_raise_a_task_page(client, scenario, world, group, record):
    incident = scenario.incidents[record]
    client.force_login(scenario.user(group))
    url = reverse("task-add", args=[incident.urn])
    allowed = expect(group, record, "view")  # any viewer but a basic user (G-table)

    assert client.get(url).status_code == _status(allowed)
    response = client.post(
        url,
        {"assigned_to": world["holder"].pk, "title": "Door knock", "due_on": _due()},
    )
    assert response.status_code == _status(allowed, 302)
    assert incident.tasks.filter(title="Door knock").exists() == allowed


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_send_an_alert_page(client, scenario, world, group, record):
    incident = scenario.incidents[record]
    user = scenario.user(group)
    client.force_login(user)
    url = reverse("alert-send", args=[incident.urn])
    allowed = expect(group, record, "view")
    recipient = world["colleagues"][record]
    if recipient == user:
        recipient = scenario.user(UserGroup.OPERATIONAL)

    assert client.get(url).status_code == _status(allowed)
    response = client.post(url, {"recipient": recipient.pk, "kind": "attention", "message": ""})
    assert response.status_code == _status(allowed, 302)
    assert Alert.objects.filter(incident=incident, sender=user).exists() == allowed


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_task_page(client, scenario, world, group, record):
    task = world["tasks"][record]
    client.force_login(scenario.user(group))
    url = reverse("task-detail", args=[task.pk])

    assert client.get(url).status_code == _status(expect(group, record, "view"))
    # Completing needs edit rights (or holding the task); a viewer without them gets 404.
    response = client.post(url, {"action": "complete", "complete-note": "Done"})
    assert response.status_code == _status(expect(group, record, "edit"), 302)
    task.refresh_from_db()
    assert (task.status == Task.Status.DONE) == expect(group, record, "edit")


@pytest.mark.parametrize("group", GROUPS)
def test_inbox_and_marking_alerts_read(client, scenario, world, group):
    user = scenario.user(group)
    client.force_login(user)
    assert client.get(reverse("inbox")).status_code == 200
    # Someone else's alert cannot be marked read (nor found).
    others = Alert.objects.exclude(recipient=user).first()
    assert client.post(reverse("alert-read", args=[others.pk])).status_code == 404
    others.refresh_from_db()
    assert others.read_at is None
    assert client.get(reverse("alert-read", args=[others.pk])).status_code == 405


# --- API ------------------------------------------------------------------------------------


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_tasks_api(client, scenario, world, group, record):
    incident, task = scenario.incidents[record], world["tasks"][record]
    client.force_login(scenario.user(group))
    can_view, can_edit = expect(group, record, "view"), expect(group, record, "edit")

    listing = client.get("/api/v1/tasks/", {"incident": incident.urn})
    assert listing.status_code == _status(can_view)
    if can_view:
        assert [row["id"] for row in listing.json()["results"]] == [task.pk]
    everything = client.get("/api/v1/tasks/").json()["results"]
    assert (task.pk in [row["id"] for row in everything]) == can_view
    assert client.get(f"/api/v1/tasks/{task.pk}/").status_code == _status(can_view)

    created = client.post(
        "/api/v1/tasks/",
        {
            "incident": incident.urn,
            "assigned_to": world["holder"].pk,
            "title": "API task",
            "due_on": _due(),
        },
        content_type="application/json",
    )
    assert created.status_code == _status(can_view, 201)

    done = client.post(
        f"/api/v1/tasks/{task.pk}/complete/", {"note": "Done"}, content_type="application/json"
    )
    assert done.status_code == (200 if can_edit else 403 if can_view else 404)


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_alerts_api(client, scenario, world, group, record):
    incident = scenario.incidents[record]
    user = scenario.user(group)
    client.force_login(user)
    recipient = world["colleagues"][record]
    if recipient == user:
        recipient = scenario.user(UserGroup.OPERATIONAL)

    sent = client.post(
        "/api/v1/alerts/",
        {"incident": incident.urn, "recipient": recipient.pk},
        content_type="application/json",
    )
    assert sent.status_code == _status(expect(group, record, "view"), 201)
    # Alerts are read by their recipient only.
    others = Alert.objects.exclude(recipient=user).first()
    assert client.get(f"/api/v1/alerts/{others.pk}/").status_code == 404
    assert client.post(f"/api/v1/alerts/{others.pk}/read/").status_code == 404
    mine = [row["id"] for row in client.get("/api/v1/alerts/").json()["results"]]
    assert set(mine) == set(Alert.objects.filter(recipient=user).values_list("pk", flat=True))


def test_an_alert_to_someone_who_cannot_see_the_incident_is_a_400(client, scenario, world):
    client.force_login(scenario.user(UserGroup.OPERATIONAL))
    response = client.post(
        "/api/v1/alerts/",
        {"incident": scenario.incidents["in_area"].urn, "recipient": scenario.rutland_officer.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "recipient": [
            f"{scenario.rutland_officer} cannot see this incident. "
            "Raise a task to share it with them."
        ]
    }


def test_the_alert_recipient_reads_and_marks_it_through_the_api(client, scenario, world):
    sender = scenario.user(UserGroup.OPERATIONAL)
    recipient = scenario.user(UserGroup.ENHANCED)
    alert = send_alert(
        scenario.incidents["in_area"], by=sender, recipient=recipient, message="Look at this"
    )
    client.force_login(recipient)
    unread = client.get("/api/v1/alerts/", {"unread": "true"}).json()["results"]
    assert [row["id"] for row in unread] == [alert.pk]
    assert unread[0]["message"] == "Look at this"
    assert unread[0]["can_view_incident"] is True
    assert client.post(f"/api/v1/alerts/{alert.pk}/read/").json()["read_at"] is not None
    assert client.get("/api/v1/alerts/", {"unread": "true"}).json()["results"] == []
