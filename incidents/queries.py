"""Read-side query builders for case supervision (SPEC R2, R3): victim updates due and overdue,
the High-risk monitoring list and its referral. Used by the dashboard and by the reminder
sweeps, so the page and the e-mails agree on which cases are late.

These narrow a queryset; they never decide access. Pages start from the policy
(`policy.visible_incidents(user)`); the sweeps ask the policy who may be told.

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

from access.policy import NOTHING

from .models import CaseRules, Incident, RiskAssessment, WorkingSheetEntry

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
    """Who a High-risk case must be referred to (seed 000 Appendix D): the Adult Referral &
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
