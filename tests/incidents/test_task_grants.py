"""A task opens its incident to its assignee, so it may not grant more than its raiser may
share: the back door a read-only analyst once had onto a Confidential case."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from access import policy
from access.models import UserGroup
from incidents.models import Incident, Task
from incidents.services import log_complaint
from incidents.services.tasks import raise_task, reassign_task

BLABY = "Blaby District Council"


@pytest.fixture
def confidential(partnership, make_user):
    officer = make_user(BLABY, UserGroup.OPERATIONAL)
    return log_complaint(
        by=officer,
        area=partnership.areas["Blaby"],
        description="Confidential case",
        marking=Incident.Marking.CONFIDENTIAL,
    )


def _due():
    return timezone.localdate() + datetime.timedelta(days=3)


def test_a_read_only_analyst_cannot_open_a_confidential_case_to_another_organisation(
    confidential, make_user
):
    analyst = make_user(BLABY, UserGroup.ANALYST)
    outsider = make_user("Leicester City Council", UserGroup.OPERATIONAL)
    assert policy.can(analyst, "view", confidential)

    with pytest.raises(ValidationError) as refused:
        raise_task(confidential, by=analyst, assigned_to=outsider, title="Look", due_on=_due())

    assert "cannot see this incident" in str(refused.value.message_dict["assigned_to"])
    assert not Task.objects.exists()
    assert not policy.can(outsider, "view", confidential)
    assert not policy.can(outsider, "edit", confidential)


def test_the_analyst_may_still_give_work_to_someone_already_on_the_case(confidential, make_user):
    analyst = make_user(BLABY, UserGroup.ANALYST)
    colleague = make_user(BLABY, UserGroup.OPERATIONAL)
    task = raise_task(confidential, by=analyst, assigned_to=colleague, title="Call", due_on=_due())
    assert task.assigned_to == colleague


def test_someone_who_may_edit_the_case_may_share_it_through_a_task(confidential, make_user):
    officer = make_user(BLABY, UserGroup.OPERATIONAL)
    outsider = make_user("Leicester City Council", UserGroup.OPERATIONAL)
    raise_task(confidential, by=officer, assigned_to=outsider, title="Visit", due_on=_due())
    assert policy.can(outsider, "view", confidential)


def test_reassigning_follows_the_same_rule(confidential, make_user):
    analyst = make_user(BLABY, UserGroup.ANALYST)
    colleague = make_user(BLABY, UserGroup.OPERATIONAL)
    outsider = make_user("Leicester City Council", UserGroup.OPERATIONAL)
    task = raise_task(confidential, by=analyst, assigned_to=colleague, title="Call", due_on=_due())

    with pytest.raises(ValidationError):
        reassign_task(task, by=analyst, to=outsider)

    task.refresh_from_db()
    assert task.assigned_to == colleague
    assert not policy.can(outsider, "view", confidential)


def test_the_page_says_why_and_keeps_what_was_typed(client, confidential, make_user):
    analyst = make_user(BLABY, UserGroup.ANALYST)
    outsider = make_user("Leicester City Council", UserGroup.OPERATIONAL)
    client.force_login(analyst)
    response = client.post(
        reverse("task-add", args=[confidential.urn]),
        {"assigned_to": outsider.pk, "title": "Look into it", "due_on": _due().isoformat()},
    )
    assert response.status_code == 200
    assert "cannot see this incident" in response.content.decode()
    assert "Look into it" in response.content.decode()
    assert not Task.objects.exists()


def test_the_choice_of_assignees_stops_at_the_partnership(
    client, partnership, make_user, second_partnership
):
    officer = make_user(BLABY, UserGroup.OPERATIONAL)
    incident = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Noise")
    stranger = second_partnership.user("operational")
    client.force_login(officer)
    page = client.get(reverse("task-add", args=[incident.urn])).content.decode()
    assert str(stranger) not in page
    assert second_partnership.organisations["police"].name not in page
