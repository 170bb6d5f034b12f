"""Read-side query builders for case supervision (SPEC R2, R3): victim updates due and overdue,
the High-risk monitoring list and its referral. Used by the dashboard and by the reminder
sweeps, so the page and the e-mails agree on which cases are late.

These narrow a queryset; they never decide access. Pages start from the policy
(`policy.visible_incidents(user)`); the sweeps ask the policy who may be told.

At the end are the getters of the records that pages and the API reach by their id (a task,
an alert, a working-sheet entry, a complaint draft): each asks the policy, and answers 404 for
a missing record and for one out of scope alike, logged once through `policy.deny` (V5).

The victim-update clock (R3): `Incident.victim_clock_from` is when the complaint was reported,
then the last recorded victim contact. With N days allowed at the case's risk level and L
days' notice (CaseRules), counting the clock's day as day 0:

    day N-L .. N    due: the lead officer is reminded
    day N+1 ..      overdue: the lead officer is told and supervisors are told (escalation)

so with N=28 and L=7 the reminder comes on day 21 and the case is overdue on day 29.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum

from django.db.models import (
    BooleanField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from access import policy
from access.policy import NOTHING

from .models import (
    Alert,
    CaseRules,
    ComplaintDraft,
    Incident,
    RiskAssessment,
    Task,
    WorkingSheetEntry,
)

RiskLevel = Incident.RiskLevel
ReferralTo = WorkingSheetEntry.ReferralTo
# Every value current_risk can hold: "" until the first assessment (treated as Standard).
RISK_LEVELS = ("", *RiskLevel.values)
OPEN = ~Q(status=Incident.Status.CLOSED)
# Before any assessment: a date no referral can predate.
_BEGINNING = datetime(2000, 1, 1, tzinfo=timezone.get_fixed_timezone(0))


class VictimUpdate(StrEnum):
    DUE = "due"
    OVERDUE = "overdue"


def day_start(day: date) -> datetime:
    """Midnight at the start of `day`, local time, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))


def victim_update_deadline(incident: Incident, rules: CaseRules) -> date:
    """The last day on which the next victim update is in time."""
    started = timezone.localdate(incident.victim_clock_from)
    return started + timedelta(days=rules.victim_update_days(incident.current_risk))


def victim_update_state(incident: Incident, rules: CaseRules, today: date) -> str:
    """ "overdue", "due" (the reminder window) or "" for one open case."""
    if incident.status == Incident.Status.CLOSED:
        return ""
    deadline = victim_update_deadline(incident, rules)
    if today > deadline:
        return VictimUpdate.OVERDUE
    if today >= deadline - timedelta(days=rules.victim_update_reminder_days):
        return VictimUpdate.DUE
    return ""


def victim_updates(state: str, *, today: date, rules: CaseRules) -> Q:
    """Open cases whose victim update is `state` ("due" or "overdue") on `today`: one
    condition per risk level, each a comparison of the clock with a fixed instant, so the
    database can use the (current_risk, victim_clock_from) index."""
    state = VictimUpdate(state)
    condition = NOTHING
    for level in RISK_LEVELS:
        days = rules.victim_update_days(level)
        overdue_before = day_start(today - timedelta(days=days))
        if state == VictimUpdate.OVERDUE:
            late = Q(victim_clock_from__lt=overdue_before)
        else:
            notice_from = days - rules.victim_update_reminder_days
            remind_before = day_start(today - timedelta(days=notice_from - 1))
            late = Q(victim_clock_from__gte=overdue_before, victim_clock_from__lt=remind_before)
        condition |= Q(current_risk=level) & late
    return OPEN & condition


# --- High risk (R2) ---------------------------------------------------------------------------


def required_referral(incident: Incident) -> str:
    """Who a High-risk case must be referred to (R2): the Adult Referral &
    Co-ordination team when the police lead it, otherwise the local authority's ASB
    co-ordinator."""
    if incident.lead_organisation.is_police:
        return ReferralTo.ADULT_REFERRAL_TEAM
    return ReferralTo.LA_ASB_COORDINATOR


def on_daily_monitoring() -> Q:
    """Open cases currently graded High: on daily monitoring until re-graded (R2)."""
    return OPEN & Q(current_risk=RiskLevel.HIGH)


def with_high_risk_state(queryset):
    """Annotate what supervising a High-risk case needs, in the same query:

    high_since              when the current High period began: the last assessment that was
                            not High (or the beginning of time)
    referral_recorded       whether the required referral has been recorded since then
    last_monitoring_review  when a daily monitoring review was last recorded
    """
    last_not_high = (
        RiskAssessment.objects.filter(incident=OuterRef("pk"))
        .exclude(level=RiskLevel.HIGH)
        .order_by("-assessed_at")
        .values("assessed_at")[:1]
    )

    def referred_to(team: str):
        return Exists(
            WorkingSheetEntry.objects.filter(
                incident=OuterRef("pk"),
                kind=WorkingSheetEntry.Kind.REFERRAL,
                referral_to=team,
                created_at__gt=OuterRef("high_since"),
            )
        )

    last_review = (
        WorkingSheetEntry.objects.filter(
            incident=OuterRef("pk"), kind=WorkingSheetEntry.Kind.MONITORING_REVIEW
        )
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    police = Q(lead_organisation__kind="police")
    return queryset.annotate(
        high_since=Coalesce(
            Subquery(last_not_high), Value(_BEGINNING), output_field=DateTimeField()
        )
    ).annotate(
        referral_recorded=ExpressionWrapper(
            (police & referred_to(ReferralTo.ADULT_REFERRAL_TEAM))
            | (~police & referred_to(ReferralTo.LA_ASB_COORDINATOR)),
            output_field=BooleanField(),
        ),
        last_monitoring_review=Subquery(last_review),
    )


def referral_outstanding(incident: Incident) -> bool:
    """A High-risk case whose required referral has not been recorded since it became High."""
    if incident.current_risk != RiskLevel.HIGH:
        return False
    recorded = (
        with_high_risk_state(Incident.objects.filter(pk=incident.pk))
        .values_list("referral_recorded", flat=True)
        .first()
    )
    return not recorded


# --- Records reached by their id (V5) ----------------------------------------------------------


def get_task_for_user(user, pk, *, request=None) -> Task:
    """A task, for someone who can see its incident (which includes its assignee while it is
    open). A missing task is denied here; the incident's read or denial is logged by
    `policy.get_incident_for_user`. `task.incident` is the incident the policy returned (with
    `allowed_edit`)."""
    return policy.get_case_record(
        user,
        Task.objects.select_related("assigned_to__organisation", "assigned_by__organisation"),
        pk,
        kind="task",
        request=request,
    )


def get_alert_for_user(user, pk, *, request=None, alerts=None, action: str = "view") -> Alert:
    """One of the user's own alerts (from `alerts`, a queryset of them, e.g. annotated for the
    API); anyone else's is denied as a missing one is."""
    alerts = Alert.objects.all() if alerts is None else alerts
    alert = alerts.filter(pk=pk, recipient_id=user.pk).first() if policy.is_key(pk) else None
    if alert is None:
        exists = policy.is_key(pk) and Alert.objects.filter(pk=pk).exists()
        policy.deny(user, request, ("alert", pk), action, exists=exists)
    return alert


def get_entry_for_user(
    user,
    pk,
    *,
    urn: str | None = None,
    action: str = policy.Action.VIEW,
    request=None,
    record_view: bool | None = None,
) -> WorkingSheetEntry:
    """A working-sheet entry, reached through its incident (`policy.get_case_record`)."""
    return policy.get_case_record(
        user,
        WorkingSheetEntry.objects.select_related("author__organisation", "involvement__person"),
        pk,
        kind="entry",
        action=action,
        urn=urn,
        request=request,
        record_view=record_view,
    )


def get_draft_for_user(user, pk, *, request=None, action: str = "view") -> ComplaintDraft:
    """One of the user's own complaint drafts (`policy.drafts_for`); anyone else's is denied
    as a missing one is."""
    draft = policy.drafts_for(user).filter(pk=pk).first() if policy.is_key(pk) else None
    if draft is None:
        exists = policy.is_key(pk) and ComplaintDraft.objects.filter(pk=pk).exists()
        policy.deny(user, request, ("complaint_draft", pk), action, exists=exists)
    return draft
