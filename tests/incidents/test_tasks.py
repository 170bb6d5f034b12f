"""Tasks (SPEC W2) and trigger alerts (W3): the services, the access a task gives and takes
away, and the e-mail that carries no personal data."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from faker import Faker

from access import policy
from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import Alert, Incident, Task
from incidents.services import log_complaint, reminders
from incidents.services.notifications import email_notification
from incidents.services.tasks import (
    cancel_task,
    complete_task,
    create_alert,
    mark_alert_read,
    raise_task,
    reassign_task,
    send_alert,
)
from incidents.tasks import deliver_notification, deliver_pending_notifications, remind_tasks
from people.services import add_involvement

fake = Faker("en_GB")


def in_a_week():
    return timezone.localdate() + datetime.timedelta(days=7)


@pytest.fixture
def officer(make_user):
    return make_user("Rutland County Council", UserGroup.OPERATIONAL)


@pytest.fixture
def incident(officer, partnership):
    return log_complaint(
        by=officer, area=partnership.areas["Rutland"], description="Dog fouling by the church"
    )


@pytest.fixture
def blaby(make_user):
    """An officer of another organisation, who cannot see Rutland's incidents."""
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


def task_for(incident, by, to, title="Visit the complainant", **kwargs):
    return raise_task(incident, by=by, assigned_to=to, title=title, due_on=in_a_week(), **kwargs)


def can(user, action, incident):
    return policy.can(user, action, incident)


# --- Raising a task -----------------------------------------------------------------------


def test_raising_a_task_is_authored_audited_and_in_history(officer, incident, blaby):
    task = task_for(incident, officer, blaby, details="Take the diary sheets")

    assert (task.assigned_to, task.assigned_by, task.status) == (blaby, officer, Task.Status.OPEN)
    assert task.history.get().history_user == officer
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.TASK_RAISED)
    assert (event.actor, event.target_type, event.target_id) == (officer, "incident", incident.urn)
    assert event.outcome == AuditEvent.Outcome.SUCCESS
    assert event.details["task"] == task.pk
    assert event.details["assigned_to"] == blaby.pk


def test_a_task_tells_the_assignee_in_their_inbox(officer, incident, blaby):
    task_for(incident, officer, blaby)
    alert = Alert.objects.get()
    assert (alert.recipient, alert.sender, alert.kind) == (
        blaby,
        officer,
        Alert.Kind.TASK_ASSIGNED,
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": " "}, "title", "Enter what needs to be done."),
        ({"title": "x" * 201}, "title", "The task must be 200 characters or fewer."),
        ({"due_on": None}, "due_on", "Enter the date the task is due."),
        (
            {"due_on": datetime.date.today() - datetime.timedelta(days=1)},
            "due_on",
            "The due date must be today or in the future.",
        ),
        ({"assigned_to": None}, "assigned_to", "Choose who the task is for."),
    ],
)
def test_bad_tasks_are_refused_with_field_messages(officer, incident, changes, field, message):
    values = {"assigned_to": officer, "title": "Call back", "due_on": in_a_week(), **changes}
    with pytest.raises(ValidationError) as refused:
        raise_task(incident, by=officer, **values)
    assert refused.value.message_dict[field] == [message]
    assert not Task.objects.exists()


def test_basic_users_cannot_be_given_tasks(officer, incident, make_user):
    clerk = make_user("Rutland County Council", UserGroup.BASIC)
    with pytest.raises(ValidationError) as refused:
        task_for(incident, officer, clerk)
    assert refused.value.message_dict["assigned_to"] == ["Basic users cannot work cases."]


def test_disabled_users_and_suspended_partners_cannot_be_given_tasks(
    officer, incident, make_user, partnership
):
    disabled = make_user("Melton Borough Council", UserGroup.OPERATIONAL, is_active=False)
    suspended_org = partnership.organisations["Harborough District Council"]
    suspended = make_user("Harborough District Council", UserGroup.OPERATIONAL)
    suspended_org.suspended_from = timezone.now() - datetime.timedelta(days=1)
    suspended_org.save()
    suspended.organisation.refresh_from_db()
    for user in (disabled, suspended):
        with pytest.raises(ValidationError) as refused:
            task_for(incident, officer, user)
        assert "cannot use the system" in refused.value.message_dict["assigned_to"][0]


def test_who_may_raise_a_task(officer, incident, make_user, blaby):
    analyst = make_user("Rutland County Council", UserGroup.ANALYST)
    assert task_for(incident, analyst, officer).pk  # read-only, but may raise (G-table)
    for user in (blaby, make_user("Rutland County Council", UserGroup.BASIC)):
        with pytest.raises(PermissionDenied):
            task_for(incident, user, officer)


def test_no_task_is_raised_on_a_closed_case(officer, incident):
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.CLOSED)
    incident.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        task_for(incident, officer, officer)
    assert "closed" in refused.value.messages[0]


# --- The access a task gives, and takes away (W2; access/policy/) --------------------------


def _page(client, user, incident) -> int:
    client.force_login(user)
    return client.get(reverse("incident-detail", args=[incident.urn])).status_code


def test_a_task_gives_its_assignee_access_and_completing_it_ends_it(
    client, officer, incident, blaby
):
    assert not can(blaby, "view", incident)
    assert _page(client, blaby, incident) == 404

    task = task_for(incident, officer, blaby)
    assert can(blaby, "view", incident) and can(blaby, "edit", incident)
    assert _page(client, blaby, incident) == 200

    complete_task(task, by=blaby, note="Visited; diary sheets left")
    assert not can(blaby, "view", incident) and not can(blaby, "edit", incident)
    assert _page(client, blaby, incident) == 404
    task.refresh_from_db()
    assert (task.status, task.completion_note) == (Task.Status.DONE, "Visited; diary sheets left")
    assert task.completed_at is not None
    assert task.history.latest().history_user == blaby


def test_reassigning_a_task_moves_the_access(client, officer, incident, blaby, make_user):
    other = make_user("Melton Borough Council", UserGroup.ENHANCED)
    task = task_for(incident, officer, blaby)
    assert _page(client, blaby, incident) == 200

    reassign_task(task, by=officer, to=other)

    assert not can(blaby, "view", incident)
    assert _page(client, blaby, incident) == 404
    assert can(other, "view", incident) and can(other, "edit", incident)
    assert _page(client, other, incident) == 200
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.TASK_UPDATED)
    assert event.actor == officer
    assert event.details == {
        "task": task.pk,
        "change": "reassigned",
        "old": blaby.pk,
        "new": other.pk,
    }
    assert task.history.latest().history_user == officer


def test_cancelling_a_task_ends_the_access(officer, incident, blaby):
    task = task_for(incident, officer, blaby)
    cancel_task(task, by=officer, reason="Complainant moved away")
    assert not can(blaby, "view", incident)
    task.refresh_from_db()
    assert (task.status, task.completion_note) == (Task.Status.CANCELLED, "Complainant moved away")


def test_another_open_task_keeps_the_access(officer, incident, blaby):
    first = task_for(incident, officer, blaby)
    task_for(incident, officer, blaby, title="Second job")
    complete_task(first, by=blaby, note="Done")
    assert can(blaby, "edit", incident)


def test_an_analysts_task_gives_view_but_not_edit(officer, incident, make_user):
    analyst = make_user("Blaby District Council", UserGroup.ANALYST)
    task_for(incident, officer, analyst)
    assert can(analyst, "view", incident)
    assert not can(analyst, "edit", incident)


def test_a_task_shares_even_a_confidential_incident_and_only_while_open(
    officer, partnership, blaby
):
    secret = log_complaint(
        by=officer,
        area=partnership.areas["Rutland"],
        description="Confidential matter",
        marking=Incident.Marking.CONFIDENTIAL,
    )
    task = task_for(secret, officer, blaby)
    assert can(blaby, "view", secret)
    complete_task(task, by=officer, note="Done by the lead")
    assert not can(blaby, "view", secret)


# --- Completing, cancelling and reassigning: who and what ---------------------------------


def test_who_may_complete_cancel_and_reassign(officer, incident, blaby, make_user):
    stranger = make_user("Melton Borough Council", UserGroup.OPERATIONAL)
    task = task_for(incident, officer, blaby)
    for service, kwargs in (
        (complete_task, {"note": "x"}),
        (cancel_task, {"reason": "x"}),
        (reassign_task, {"to": stranger}),
    ):
        with pytest.raises(PermissionDenied):
            service(task, by=stranger, **kwargs)
    # The assignee may hand the task on; the new assignee may complete it.
    reassign_task(task, by=blaby, to=stranger)
    with pytest.raises(PermissionDenied):  # blaby's access ended with the reassignment
        cancel_task(task, by=blaby, reason="Not needed")
    complete_task(task, by=stranger, note="Done")


@pytest.mark.parametrize(
    ("service", "kwargs", "field", "message"),
    [
        (complete_task, {"note": " "}, "note", "Enter what was done."),
        (cancel_task, {"reason": ""}, "reason", "Enter why the task is cancelled."),
    ],
)
def test_a_note_or_reason_is_required(officer, incident, service, kwargs, field, message):
    task = task_for(incident, officer, officer)
    with pytest.raises(ValidationError) as refused:
        service(task, by=officer, **kwargs)
    assert refused.value.message_dict[field] == [message]


def test_reassigning_checks_the_new_assignee(officer, incident, make_user):
    task = task_for(incident, officer, officer)
    clerk = make_user("Rutland County Council", UserGroup.BASIC)
    with pytest.raises(ValidationError) as refused:
        reassign_task(task, by=officer, to=clerk)
    assert refused.value.message_dict["to"] == ["Basic users cannot work cases."]
    with pytest.raises(ValidationError) as refused:
        reassign_task(task, by=officer, to=officer)
    assert "already assigned" in refused.value.message_dict["to"][0]


def test_a_finished_task_cannot_be_finished_again(officer, incident, blaby):
    task = task_for(incident, officer, blaby)
    complete_task(task, by=officer, note="Done")
    for service, kwargs in (
        (complete_task, {"note": "Again"}),
        (cancel_task, {"reason": "Again"}),
        (reassign_task, {"to": blaby}),
    ):
        with pytest.raises(ValidationError) as refused:
            service(task, by=officer, **kwargs)
        assert "already done" in refused.value.messages[0]


# --- Alerts ---------------------------------------------------------------------------------


def test_an_alert_to_someone_who_cannot_see_the_incident_is_refused(officer, incident, blaby):
    with pytest.raises(ValidationError) as refused:
        send_alert(incident, by=officer, recipient=blaby, message="Please look")
    assert refused.value.message_dict["recipient"] == [
        f"{blaby} cannot see this incident. Raise a task to share it with them."
    ]
    assert not Alert.objects.exists()


def test_an_alert_is_sent_audited_and_read_by_its_recipient_only(officer, incident, make_user):
    colleague = make_user("Rutland County Council", UserGroup.ENHANCED)
    alert = send_alert(
        incident,
        by=officer,
        recipient=colleague,
        kind=Alert.Kind.REQUEST_FOR_INFORMATION,
        message="Any previous reports?",
    )
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.ALERT_SENT)
    assert (event.actor, event.target_id, event.details["recipient"]) == (
        officer,
        incident.urn,
        colleague.pk,
    )
    assert alert.history.get().history_user == officer

    with pytest.raises(PermissionDenied):
        mark_alert_read(alert, by=officer)
    mark_alert_read(alert, by=colleague)
    alert.refresh_from_db()
    first_read = alert.read_at
    assert first_read is not None
    mark_alert_read(alert, by=colleague)
    alert.refresh_from_db()
    assert alert.read_at == first_read


def test_who_may_send_an_alert(officer, incident, make_user, blaby):
    colleague = make_user("Rutland County Council", UserGroup.ENHANCED)
    analyst = make_user("Rutland County Council", UserGroup.ANALYST)
    assert send_alert(incident, by=analyst, recipient=colleague).pk
    for sender in (blaby, make_user("Rutland County Council", UserGroup.BASIC)):
        with pytest.raises(PermissionDenied):
            send_alert(incident, by=sender, recipient=colleague)
    with pytest.raises(ValidationError) as refused:
        send_alert(incident, by=officer, recipient=officer)
    assert "other than yourself" in refused.value.message_dict["recipient"][0]


def test_create_alert_is_the_low_level_write_for_the_complaint_flow(incident, make_user):
    """A basic user alerts someone to the skeleton complaint they log (callers check)."""
    clerk = make_user("Rutland County Council", UserGroup.BASIC)
    caseworker = make_user("Rutland County Council", UserGroup.OPERATIONAL)
    alert = create_alert(
        incident, sender=clerk, recipient=caseworker, kind=Alert.Kind.NEW_COMPLAINT
    )
    assert (alert.sender, alert.kind) == (clerk, Alert.Kind.NEW_COMPLAINT)
    assert AuditEvent.objects.filter(event_type=AuditEvent.Type.ALERT_SENT, actor=clerk).exists()


# --- E-mail: no personal data, sent once ---------------------------------------------------


@pytest.fixture
def victim_name(officer, incident):
    """A person on the incident, so that the e-mail could leak a name if it were careless."""
    name = (fake.first_name(), fake.last_name())
    add_involvement(
        incident,
        by=officer,
        role="victim",
        person_fields={"given_name": name[0], "family_name": name[1]},
    )
    return name


def test_the_alert_email_has_the_urn_kind_and_link_and_no_personal_data(
    officer, incident, make_user, victim_name, mailoutbox, django_capture_on_commit_callbacks
):
    colleague = make_user("Rutland County Council", UserGroup.ENHANCED)
    secret_message = "Zebedee Quinlan-Farthingale at 7 Acacia Row keeps shouting"
    with django_capture_on_commit_callbacks(execute=True):
        alert = send_alert(incident, by=officer, recipient=colleague, message=secret_message)

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [colleague.email]
    text = mail.subject + "\n" + mail.body
    assert incident.urn in mail.subject
    assert "Needs attention" in text
    assert f"/incidents/{incident.urn}/" in mail.body
    assert mail.body.count("http") == 1
    for secret in (
        secret_message,
        "Zebedee",
        "Acacia",
        "Dog fouling",  # the description
        *victim_name,
        officer.first_name,
        officer.last_name,
        colleague.last_name,
        incident.area.name,
    ):
        assert secret not in text, secret
    alert.refresh_from_db()
    assert alert.emailed_at is not None


def test_the_task_email_says_a_task_was_assigned_without_its_title(
    officer, incident, blaby, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        task_for(incident, officer, blaby, title="Visit Marigold Featherstonehaugh")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [blaby.email]
    assert incident.urn in mail.subject and "Task assigned" in mail.subject
    assert "Marigold" not in mail.subject + mail.body
    assert "Featherstonehaugh" not in mail.subject + mail.body
    assert "/inbox/" in mail.body


def test_a_confidential_incident_is_never_emailed_even_by_urn(
    officer, partnership, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    secret = log_complaint(
        by=officer,
        area=partnership.areas["Rutland"],
        description="Confidential matter",
        marking=Incident.Marking.CONFIDENTIAL,
    )
    colleague = make_user("Rutland County Council", UserGroup.ENHANCED)
    with django_capture_on_commit_callbacks(execute=True):
        send_alert(secret, by=officer, recipient=colleague)
    mail = mailoutbox[0]
    assert secret.urn not in mail.subject + mail.body
    assert "/inbox/" in mail.body


def test_running_the_email_task_twice_sends_once(
    officer, incident, make_user, mailoutbox, settings
):
    settings.SITE_URL = "https://asb.example.invalid"
    colleague = make_user("Rutland County Council", UserGroup.ENHANCED)
    alert = send_alert(incident, by=officer, recipient=colleague)  # on_commit not run here

    assert deliver_notification.delay(alert.pk).get() is True
    assert deliver_notification.delay(alert.pk).get() is False
    assert email_notification(alert.pk, claim="another task") is False

    assert len(mailoutbox) == 1
    assert f"https://asb.example.invalid/incidents/{incident.urn}/" in mailoutbox[0].body


def test_a_failed_send_releases_the_claim_so_a_retry_sends(
    officer, incident, make_user, mailoutbox, monkeypatch
):
    import smtplib

    colleague = make_user("Rutland County Council", UserGroup.ENHANCED)
    alert = send_alert(incident, by=officer, recipient=colleague)

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server away")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        email_notification(alert.pk, claim="first try")
    alert.refresh_from_db()
    assert (alert.emailed_at, alert.email_claimed_by) == (None, "")

    monkeypatch.undo()
    assert email_notification(alert.pk, claim="a retry") is True
    assert len(mailoutbox) == 1


def test_the_email_task_tolerates_a_deleted_alert(db, mailoutbox):
    assert deliver_notification.delay(987654).get() is False
    assert mailoutbox == []


def test_the_outbox_sweep_sends_what_the_broker_missed(officer, incident, make_user, mailoutbox):
    colleague = make_user("Rutland County Council", UserGroup.ENHANCED)
    alert = send_alert(incident, by=officer, recipient=colleague)
    Alert.objects.filter(pk=alert.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert deliver_pending_notifications.delay().get() == 1
    assert deliver_pending_notifications.delay().get() == 0
    assert len(mailoutbox) == 1


# --- Overdue reminders (W2) ---------------------------------------------------------------


def test_tasks_due_and_overdue_are_reminded_once_each(
    officer, incident, blaby, mailoutbox, django_capture_on_commit_callbacks
):
    late = task_for(incident, officer, blaby, title="Photograph the damage")
    task_for(incident, officer, blaby, title="Not yet due")  # due in a week
    done = task_for(incident, officer, blaby, title="Done already")
    complete_task(done, by=blaby, note="Done")
    Task.objects.filter(pk__in=[late.pk, done.pk]).update(due_on=timezone.localdate())
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert remind_tasks.delay().get() == 1  # due today
        assert remind_tasks.delay().get() == 0  # the sweep again: nothing new
        assert reminders.remind_tasks(today=tomorrow) == 1  # now overdue
        assert reminders.remind_tasks(today=tomorrow) == 0

    due, overdue = Alert.objects.filter(
        kind__in=[Alert.Kind.TASK_DUE, Alert.Kind.TASK_OVERDUE]
    ).order_by("created_at", "pk")
    assert (due.kind, overdue.kind) == (Alert.Kind.TASK_DUE, Alert.Kind.TASK_OVERDUE)
    assert (overdue.recipient, overdue.incident, overdue.sender) == (blaby, incident, None)
    assert "Photograph the damage" in overdue.message  # in the inbox only
    assert len(mailoutbox) == 2
    mail = mailoutbox[1]
    assert "Task overdue" in mail.subject and incident.urn in mail.subject
    assert "Photograph" not in mail.subject + mail.body

    # Handed on, the task's new assignee is reminded in turn.
    reassign_task(late, by=officer, to=officer)
    assert reminders.remind_tasks(today=tomorrow) == 1
    assert Alert.objects.filter(recipient=officer, kind=Alert.Kind.TASK_OVERDUE).exists()
