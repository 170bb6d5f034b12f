"""Supervising cases: victim updates (R3), High risk (R2) and the notification outbox
(§16, §17) - with a frozen clock, and sweeps run twice."""

import datetime
import smtplib

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access.models import UserGroup
from incidents.models import Alert, CaseRules, Incident, RiskQuestion, WorkingSheetEntry
from incidents.queries import (
    on_daily_monitoring,
    referral_outstanding,
    required_referral,
    victim_update_deadline,
    with_high_risk_state,
)
from incidents.services import log_complaint
from incidents.services.closure import submit_for_closure
from incidents.services.notifications import email_notification, message_id, notify
from incidents.services.reference import save_case_rules
from incidents.services.risk import record_assessment
from incidents.tasks import deliver_notification, remind_victim_updates
from tests.incidents.supervision import (
    add_victim,
    record_victim_contact,
    refer_as_high_risk_requires,
)

Kind = Alert.Kind
TZ = timezone.get_default_timezone()
REPORTED = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=TZ)


def on_day(day: int, hour: int = 8):
    """Travel to the given day counted from the report (day 0), frozen."""
    moment = REPORTED.replace(hour=hour) + datetime.timedelta(days=day)
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


@pytest.fixture
def supervisor(make_user):
    return make_user("Blaby District Council", UserGroup.ENHANCED)


@pytest.fixture
def incident(officer, supervisor, partnership):
    with time_machine.travel(REPORTED, tick=False):
        return log_complaint(
            by=officer, area=partnership.areas["Blaby"], description="Shouting at night"
        )


def sweep() -> int:
    return remind_victim_updates.delay().get()


def notices(kind):
    return list(Alert.objects.filter(kind=kind).order_by("pk"))


def make_high(incident, by):
    answers = {q.pk: True for q in RiskQuestion.objects.filter(active=True)}
    return record_assessment(incident, by=by, answers=answers)


# --- Victim updates (R3) ----------------------------------------------------------------------


def test_reminded_on_day_21_overdue_and_escalated_on_day_29_once(
    incident, officer, supervisor, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with on_day(20):
            assert sweep() == 0
        with on_day(21):
            assert sweep() == 1
            assert sweep() == 0  # the sweep again: no second reminder
        with on_day(28):
            assert sweep() == 0  # still due, already reminded
        with on_day(29):
            assert sweep() == 2  # the lead officer, and the supervisor
            assert sweep() == 0  # escalated once, not twice
        with on_day(35):
            assert sweep() == 0

    [due] = notices(Kind.VICTIM_UPDATE_DUE)
    [overdue] = notices(Kind.VICTIM_UPDATE_OVERDUE)
    [escalated] = notices(Kind.VICTIM_UPDATE_ESCALATED)
    assert (due.recipient, overdue.recipient, escalated.recipient) == (
        officer,
        officer,
        supervisor,
    )
    assert due.sender is None and escalated.incident == incident
    assert len(mailoutbox) == 3
    assert all(incident.urn in mail.subject for mail in mailoutbox)
    assert "Shouting" not in "".join(mail.subject + mail.body for mail in mailoutbox)


def test_a_victim_contact_restarts_the_clock(incident, officer):
    with on_day(29):
        assert sweep() == 2
    with on_day(30):
        record_victim_contact(incident, officer)
        incident.refresh_from_db()
        assert (
            victim_update_deadline(incident, CaseRules.current())
            == (REPORTED + datetime.timedelta(days=30 + 28)).date()
        )
        assert sweep() == 0
    with on_day(30 + 21):
        assert sweep() == 1  # a new clock: a new reminder
    with on_day(30 + 29):
        assert sweep() == 2  # and a new escalation
    assert len(notices(Kind.VICTIM_UPDATE_ESCALATED)) == 2


def test_a_backdated_contact_counts_from_when_it_happened(incident, officer):
    with on_day(25):
        record_victim_contact(incident, officer, when=REPORTED + datetime.timedelta(days=2))
    with on_day(2 + 29):
        assert len(notices(Kind.VICTIM_UPDATE_OVERDUE)) == 0
        sweep()
        assert len(notices(Kind.VICTIM_UPDATE_OVERDUE)) == 1


def test_the_lead_time_and_the_interval_per_risk_level_are_configurable(
    incident, officer, make_user
):
    admin = make_user("Blaby District Council", UserGroup.ADMINISTRATOR, training_level=2)
    save_case_rules(by=admin, victim_update_reminder_days=3, victim_update_days_high=10)
    with on_day(21):
        assert sweep() == 0
    with on_day(25):
        assert sweep() == 1  # three days before the 28th

    make_high(incident, officer)
    with on_day(11):
        sweep()
        assert len(notices(Kind.VICTIM_UPDATE_ESCALATED)) == 1  # High: 10 days


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"victim_update_days_standard": 29}, "victim_update_days_standard"),
        ({"victim_update_days_high": 1}, "victim_update_days_high"),
        ({"victim_update_reminder_days": 14}, "victim_update_reminder_days"),
        ({"victim_update_reminder_days": 0}, "victim_update_reminder_days"),
    ],
)
def test_intervals_are_never_longer_than_28_days(make_user, client, fields, field):
    admin = make_user("Blaby District Council", UserGroup.ADMINISTRATOR, training_level=2)
    rules = CaseRules.current()
    data = {
        name: getattr(rules, name)
        for name in (
            "medium_from",
            "high_from",
            "repeat_min_incidents",
            "repeat_window_days",
            "victim_update_days_standard",
            "victim_update_days_medium",
            "victim_update_days_high",
            "victim_update_reminder_days",
        )
    }
    client.force_login(admin)
    page = client.post("/reference-data/case-rules/", {**data, **fields})
    assert page.status_code == 200
    assert field in page.context["form"].errors, page.context["form"].errors
    assert str(fields[field]) in page.content.decode()  # what was typed is kept
    with pytest.raises(ValidationError), transaction.atomic():
        save_case_rules(by=admin, **fields)
    assert CaseRules.current().victim_update_days_standard == 28


def test_a_case_without_a_lead_officer_escalates_to_supervisors_only(
    incident, supervisor, officer
):
    Incident.objects.filter(pk=incident.pk).update(lead_officer=None)
    with on_day(29):
        assert sweep() == 1
    assert [a.recipient for a in Alert.objects.all()] == [supervisor]


def test_closed_cases_need_no_victim_updates(incident, officer, supervisor):
    from incidents.services.closure import approve_closure

    submit_for_closure(incident, by=officer, summary="Resolved", outcome="resolved")
    approve_closure(incident, by=supervisor)
    with on_day(40):
        assert sweep() == 0


# --- High risk (R2) ---------------------------------------------------------------------------


def test_a_high_assessment_notifies_each_supervisor_once(
    incident, officer, supervisor, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    second = make_user("Blaby District Council", UserGroup.ENHANCED)
    make_user("Blaby District Council", UserGroup.ADMINISTRATOR, training_level=2)
    make_user("Leicestershire County Council", UserGroup.ENHANCED)  # not the lead org
    with django_capture_on_commit_callbacks(execute=True):
        make_high(incident, officer)
    told = sorted(a.recipient_id for a in notices(Kind.HIGH_RISK))
    assert told == sorted([supervisor.pk, second.pk])
    assert len(mailoutbox) == 2
    assert all("High risk" in mail.subject for mail in mailoutbox)


def test_without_enhanced_users_the_administrators_are_told(partnership, make_user):
    council = "Rutland County Council"
    officer = make_user(council, UserGroup.OPERATIONAL)
    admin = make_user(council, UserGroup.ADMINISTRATOR, training_level=2)
    incident = log_complaint(by=officer, area=partnership.areas["Rutland"], description="Noise")
    make_high(incident, officer)
    assert [a.recipient for a in notices(Kind.HIGH_RISK)] == [admin]


def test_a_high_case_is_monitored_daily_until_re_graded(incident, officer):
    make_high(incident, officer)
    assert Incident.objects.filter(on_daily_monitoring()).get() == incident
    record_assessment(
        incident, by=officer, answers={q.pk: False for q in RiskQuestion.objects.all()}
    )
    assert not Incident.objects.filter(on_daily_monitoring()).exists()


@pytest.mark.parametrize(
    ("organisation", "area", "team"),
    [
        ("Leicestershire Police", "Blaby", WorkingSheetEntry.ReferralTo.ADULT_REFERRAL_TEAM),
        ("Blaby District Council", "Blaby", WorkingSheetEntry.ReferralTo.LA_ASB_COORDINATOR),
    ],
)
def test_the_referral_a_high_case_needs_depends_on_who_leads_it(
    make_user, partnership, organisation, area, team
):
    officer = make_user(organisation, UserGroup.OPERATIONAL)
    incident = log_complaint(by=officer, area=partnership.areas[area], description="Threats")
    assert required_referral(incident) == team
    assert not referral_outstanding(incident)  # not High
    make_high(incident, officer)
    assert referral_outstanding(incident)

    with pytest.raises(ValidationError) as refused:
        submit_for_closure(incident, by=officer, summary="Done", outcome="resolved")
    assert team.label in refused.value.message_dict["__all__"][0]

    victim = add_victim(incident, officer)
    other = (
        WorkingSheetEntry.ReferralTo.LA_ASB_COORDINATOR
        if team == WorkingSheetEntry.ReferralTo.ADULT_REFERRAL_TEAM
        else WorkingSheetEntry.ReferralTo.ADULT_REFERRAL_TEAM
    )
    from incidents.services.worksheet import add_entry

    add_entry(
        incident,
        by=officer,
        kind=WorkingSheetEntry.Kind.REFERRAL,
        referral_to=other,
        involvement=victim,
        text="Referred to the wrong team",
        occurred_at=timezone.now(),
    )
    assert referral_outstanding(incident)  # the wrong team does not count
    refer_as_high_risk_requires(incident, officer, victim)
    assert not referral_outstanding(incident)
    submit_for_closure(incident, by=officer, summary="Done", outcome="resolved")


def test_a_new_high_period_needs_a_new_referral(incident, officer):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=3)):
        make_high(incident, officer)
        refer_as_high_risk_requires(incident, officer)
    assert not referral_outstanding(incident)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=2)):
        record_assessment(
            incident, by=officer, answers={q.pk: False for q in RiskQuestion.objects.all()}
        )
    make_high(incident, officer)
    assert referral_outstanding(incident)


def test_the_monitoring_state_comes_in_one_query(incident, officer, django_assert_num_queries):
    make_high(incident, officer)
    refer_as_high_risk_requires(incident, officer)
    with django_assert_num_queries(1):
        row = with_high_risk_state(Incident.objects.filter(pk=incident.pk)).get()
    assert row.referral_recorded is True and row.last_monitoring_review is None


# --- The outbox (§16, §17) --------------------------------------------------------------------


def test_one_cause_notifies_once_whatever_runs_it(incident, supervisor):
    first = notify(incident, recipient=supervisor, kind=Kind.HIGH_RISK, key="cause-1")
    again = notify(incident, recipient=supervisor, kind=Kind.HIGH_RISK, key="cause-1")
    assert first is not None and again is None
    assert Alert.objects.filter(key="cause-1").count() == 1


def test_a_notification_rolls_back_with_its_cause(incident, officer):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_high(incident, officer)
        raise RuntimeError("the assessment fails after the notification was written")
    assert not Alert.objects.exists()


def test_delivery_claims_let_only_the_claiming_task_send(incident, supervisor, mailoutbox):
    alert = notify(incident, recipient=supervisor, kind=Kind.HIGH_RISK, key="cause-2")
    # A task claimed it and died before sending: another task may not send while the claim
    # is fresh, the same task redelivered may, and after the lease anyone may.
    Alert.objects.filter(pk=alert.pk).update(
        email_claimed_by="task-a", email_claimed_at=timezone.now()
    )
    assert email_notification(alert.pk, claim="task-b") is False
    assert email_notification(alert.pk, claim="task-a") is True
    assert email_notification(alert.pk, claim="task-a") is False  # sent: never again
    assert len(mailoutbox) == 1
    assert mailoutbox[0].extra_headers["Message-ID"] == message_id(alert)

    late = notify(incident, recipient=supervisor, kind=Kind.HIGH_RISK, key="cause-3")
    Alert.objects.filter(pk=late.pk).update(
        email_claimed_by="task-c", email_claimed_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert email_notification(late.pk, claim="task-d") is True
    assert len(mailoutbox) == 2


def test_a_mail_server_failure_is_retried_by_celery(incident, supervisor, monkeypatch):
    alert = notify(incident, recipient=supervisor, kind=Kind.HIGH_RISK, key="cause-4")
    attempts = []

    def flaky(self, fail_silently=False):
        attempts.append(1)
        if len(attempts) < 3:
            raise smtplib.SMTPServerDisconnected("try later")
        return 1

    monkeypatch.setattr("django.core.mail.EmailMessage.send", flaky)
    monkeypatch.setattr(deliver_notification, "retry_backoff", False)
    conf = deliver_notification.app.conf
    conf.task_eager_propagates = False  # restored by the autouse fixture in conftest
    deliver_notification.apply(args=[alert.pk])  # in-process, the retries run at once
    assert len(attempts) == 3
    alert.refresh_from_db()
    assert alert.emailed_at is not None
