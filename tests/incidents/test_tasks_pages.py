"""The task and alert pages as a user meets them: the inbox, a task's page, the forms'
messages, and the tasks section of the incident page (with its query counts)."""

import datetime

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from access import policy
from access.models import UserGroup
from incidents.models import Alert, Incident, Task
from incidents.services import log_complaint
from incidents.services.tasks import complete_task, raise_task, send_alert
from incidents.views.tasks import detail_context


@pytest.fixture
def officer(make_user):
    return make_user("Rutland County Council", UserGroup.OPERATIONAL)


@pytest.fixture
def colleague(make_user):
    return make_user("Rutland County Council", UserGroup.ENHANCED)


@pytest.fixture
def incident(officer, partnership):
    return log_complaint(
        by=officer, area=partnership.areas["Rutland"], description="Motorbikes on the field"
    )


@pytest.fixture
def blaby(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


def due(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def make_task(incident, by, to, title="Visit", days=3):
    task = raise_task(incident, by=by, assigned_to=to, title=title, due_on=due(0))
    if days != 0:
        # Due dates in the past cannot be chosen; time passes instead.
        Task.objects.filter(pk=task.pk).update(due_on=due(days))
        task.refresh_from_db()
    return task


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


# --- Inbox ------------------------------------------------------------------------------------


def test_the_inbox_lists_unread_alerts_and_open_tasks(client, officer, colleague, incident):
    send_alert(incident, by=officer, recipient=colleague, message="Please review")
    late = make_task(incident, officer, colleague, title="Take a statement", days=-2)
    make_task(incident, officer, colleague, title="Check CCTV", days=4)
    finished = make_task(incident, officer, colleague, title="Finished job", days=1)
    complete_task(finished, by=colleague, note="Done")

    client.force_login(colleague)
    response = client.get(reverse("inbox"))
    page = response.content.decode()

    assert response.context["protective_marking"] == incident.marking
    assert [t.title for t in response.context["tasks"]] == ["Take a statement", "Check CCTV"]
    assert "Finished job" not in page
    assert reverse("task-detail", args=[late.pk]) in page
    assert page.count("govuk-tag--red") == 1  # the overdue task
    assert "Please review" in page
    assert f'href="{reverse("incident-detail", args=[incident.urn])}"' in page
    assert "Mark as read" in page
    assert response.context["unread"] == 4  # the alert and three "task assigned"


def test_mark_as_read(client, officer, colleague, incident):
    alert = send_alert(incident, by=officer, recipient=colleague)
    client.force_login(colleague)
    response = client.post(reverse("alert-read", args=[alert.pk]))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.read_at is not None
    assert client.get(reverse("inbox")).context["unread"] == 0


def test_an_alert_about_an_incident_no_longer_seen_has_no_link_or_message(
    client, officer, incident, blaby
):
    task = make_task(incident, officer, blaby)
    send_alert(incident, by=officer, recipient=blaby, message="Details of the family")
    complete_task(task, by=blaby, note="Done")  # blaby's access ends

    client.force_login(blaby)
    page = client.get(reverse("inbox")).content.decode()

    assert incident.urn in page
    assert reverse("incident-detail", args=[incident.urn]) not in page
    assert "Details of the family" not in page
    assert "You can no longer see this incident." in page


def test_the_inbox_runs_a_fixed_number_of_queries(client, officer, colleague, partnership):
    def add(n):
        for i in range(n):
            incident = log_complaint(
                by=officer, area=partnership.areas["Rutland"], description=f"Case {i}"
            )
            send_alert(incident, by=officer, recipient=colleague, message=f"Alert {i}")
            make_task(incident, officer, colleague, title=f"Task {i}", days=-1 if i % 2 else 2)

    client.force_login(colleague)
    add(1)
    one = _queries(client, reverse("inbox"))
    add(9)
    ten = _queries(client, reverse("inbox"))
    assert one == ten


# --- A task's page ----------------------------------------------------------------------------


def test_the_task_page_shows_the_task_and_its_actions(client, officer, incident, blaby):
    task = make_task(incident, officer, blaby, title="Speak to the school", days=-1)
    client.force_login(blaby)
    response = client.get(reverse("task-detail", args=[task.pk]))
    page = response.content.decode()
    assert response.context["protective_marking"] == incident.marking
    assert "Speak to the school" in page
    assert "Overdue" in page
    assert 'value="complete"' in page and 'value="reassign"' in page


def test_completing_through_the_page_sends_the_assignee_to_their_inbox(
    client, officer, incident, blaby
):
    """Once the task is done, the assignee can no longer see the incident or the task."""
    task = make_task(incident, officer, blaby)
    client.force_login(blaby)
    response = client.post(
        reverse("task-detail", args=[task.pk]),
        {"action": "complete", "complete-note": "Spoke to the head teacher"},
    )
    assert response.status_code == 302
    assert response.url == reverse("inbox")
    assert client.get(reverse("task-detail", args=[task.pk])).status_code == 404
    task.refresh_from_db()
    assert task.status == Task.Status.DONE


def test_reassigning_through_the_page(client, officer, colleague, incident, blaby):
    task = make_task(incident, officer, blaby)
    client.force_login(officer)
    response = client.post(
        reverse("task-detail", args=[task.pk]), {"action": "reassign", "reassign-to": colleague.pk}
    )
    assert response.status_code == 302
    assert response.url == reverse("task-detail", args=[task.pk])
    task.refresh_from_db()
    assert task.assigned_to == colleague
    assert not policy.can(blaby, "view", incident)
    history = client.get(response.url).content.decode()
    assert escape(f"{blaby} → {colleague}") in history  # assignees named, not numbered


def test_task_page_errors_are_field_level_and_keep_the_other_forms(
    client, officer, incident, blaby
):
    task = make_task(incident, officer, blaby)
    client.force_login(officer)
    response = client.post(
        reverse("task-detail", args=[task.pk]), {"action": "cancel", "cancel-reason": ""}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert "Enter why the task is cancelled." in page
    assert 'href="#id_cancel-reason"' in page
    assert 'value="complete"' in page


def test_raising_a_task_through_the_page(client, officer, incident, blaby):
    client.force_login(officer)
    url = reverse("task-add", args=[incident.urn])
    page = client.get(url).content.decode()
    assert "<optgroup" in page and str(blaby.organisation) in page
    response = client.post(
        url,
        {
            "assigned_to": blaby.pk,
            "title": "Joint visit",
            "details": "Bring leaflets",
            "due_on": due(3).strftime("%d/%m/%Y"),
        },
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.assigned_to, task.title, task.due_on) == (blaby, "Joint visit", due(3))


def test_basic_users_are_not_offered_as_assignees_and_are_refused(
    client, officer, incident, make_user
):
    clerk = make_user("Rutland County Council", UserGroup.BASIC)
    client.force_login(officer)
    url = reverse("task-add", args=[incident.urn])
    assert f'value="{clerk.pk}"' not in client.get(url).content.decode()
    typed = "Check the bins"
    response = client.post(
        url,
        {"assigned_to": clerk.pk, "title": typed, "due_on": due(1).isoformat()},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose who the task is for from the list." in page
    assert typed in page
    assert not Task.objects.exists()


def test_a_past_due_date_is_refused_on_the_page(client, officer, incident, blaby):
    client.force_login(officer)
    response = client.post(
        reverse("task-add", args=[incident.urn]),
        {"assigned_to": blaby.pk, "title": "Late", "due_on": due(-1).isoformat()},
    )
    page = response.content.decode()
    assert "The due date must be today or in the future." in page
    assert f'<option value="{blaby.pk}" selected>' in page


def test_alerting_someone_who_cannot_see_it_is_refused_on_the_page(
    client, officer, incident, blaby
):
    client.force_login(officer)
    response = client.post(
        reverse("alert-send", args=[incident.urn]),
        {"recipient": blaby.pk, "kind": "attention", "message": "Typed message"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f"{blaby} cannot see this incident. Raise a task to share it with them." in page
    assert "Typed message" in page
    assert not Alert.objects.exists()


# --- The incident page's section ------------------------------------------------------------


def _section(incident, user):
    annotated = policy.with_allowed_actions(Incident.objects.filter(pk=incident.pk), user).get()
    with CaptureQueriesContext(connection) as queries:
        context = detail_context(annotated, user)
        html = render_to_string(
            "incidents/sections/tasks.html", {"incident": annotated, **context}
        )
    return context, html, len(queries.captured_queries)


def test_the_section_lists_tasks_with_status_and_overdue_marks(officer, incident, blaby):
    late = make_task(incident, officer, blaby, title="Late one", days=-3)
    done = make_task(incident, officer, blaby, title="Done one", days=-5)
    complete_task(done, by=officer, note="ok")
    make_task(incident, officer, blaby, title="Future one", days=5)

    context, html, _ = _section(incident, officer)

    assert [t.title for t in context["incident_tasks"]] == ["Done one", "Late one", "Future one"]
    assert [t.is_overdue for t in context["incident_tasks"]] == [False, True, False]
    assert html.count("govuk-tag--red") == 1
    assert "govuk-tag--green" in html
    assert reverse("task-detail", args=[late.pk]) in html
    assert reverse("task-add", args=[incident.urn]) in html
    assert reverse("alert-send", args=[incident.urn]) in html


def test_the_section_runs_a_fixed_number_of_queries(officer, incident, blaby, make_user):
    make_task(incident, officer, blaby)
    _, _, one = _section(incident, officer)
    for i in range(9):
        other = make_user("Melton Borough Council", UserGroup.OPERATIONAL)
        make_task(incident, officer, other, title=f"Task {i}", days=i - 4)
    context, _, ten = _section(incident, officer)
    assert len(context["incident_tasks"]) == 10
    assert one == ten <= 2
