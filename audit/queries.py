"""Read side of the audit review and the registers (SPEC A4-A6): filters, grouped counts and
the disclosure report's tables.

Scope is never decided here: callers pass the events, disclosures or breaches the policy
allows (`policy.audit_events_for`, `policy.disclosures_for`, ...), and these functions only
narrow and count them. Each function is a fixed number of queries, whatever the rows.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from .models import AuditEvent, Disclosure

# Event types in the groups a reviewer thinks in. An entry ending in "." is a prefix of the
# event type's value; any other entry is a whole value. A new event type falls into "other"
# until it is placed here (a test checks that none does).
EVENT_GROUPS: list[tuple[str, str, tuple[str, ...]]] = [
    ("security", "Sign-in and security", ("auth.", "access.")),
    (
        "cases",
        "Incidents and case work",
        (
            "incident.",
            "closure.",
            "entry.",
            "risk.",
            "task.",
            "alert.",
            "document.",
            "history.",
            "share.",
        ),
    ),
    (
        "people",
        "People",
        ("person.", "statement.", "intervention.", "involvement.", "consent."),
    ),
    (
        "reporting",
        "Searches, reports, exports and prints",
        ("search", "report.", "export", "print"),
    ),
    ("administration", "Administration and reference data", ("admin.", "reference.")),
    ("audit", "Audit review and registers", ("audit.", "register.")),
    ("retention", "Retention, erasure and subject access", ("retention.",)),
]
OTHER_GROUP = ("other", "Other")


def group_of(event_type: str) -> str:
    for key, _label, patterns in EVENT_GROUPS:
        for pattern in patterns:
            if (pattern.endswith(".") and event_type.startswith(pattern)) or event_type == pattern:
                return key
    return OTHER_GROUP[0]


def types_in_group(key: str) -> list[str]:
    return [value for value in AuditEvent.Type.values if group_of(value) == key]


def grouped_type_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every event type, grouped (for a select with option groups)."""
    labels = dict(AuditEvent.Type.choices)
    groups = []
    for key, label, _patterns in [*EVENT_GROUPS, (*OTHER_GROUP, ())]:
        members = [(value, labels[value]) for value in types_in_group(key)]
        if members:
            groups.append((label, sorted(members, key=lambda choice: choice[1])))
    return groups


# --- Audit review (A4) ------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    """What the reviewer asked for. Empty values mean "any"."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    user: object = None  # a User, whose own events and the events about their account
    target_type: str = ""
    target_id: str = ""
    event_types: tuple[str, ...] = ()
    outcome: str = ""

    def described(self) -> dict:
        """The filters as logged with the review or export (ids and dates only)."""
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "user": self.user.pk if self.user is not None else None,
            "target_type": self.target_type or None,
            "target_id": self.target_id or None,
            "event_types": sorted(self.event_types),
            "outcome": self.outcome or None,
        }


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day` in the service's time zone (Europe/London)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def involving_user(user) -> Q:
    """Events by the user, about their account (administration, lockouts), and failed
    sign-ins with their username (which have no actor)."""
    return (
        Q(actor_id=user.pk)
        | Q(target_type="user", target_id=str(user.pk))
        | Q(actor__isnull=True, actor_label=user.get_username())
    )


def filter_events(events, filters: AuditFilters):
    if filters.date_from:
        events = events.filter(occurred_at__gte=day_start(filters.date_from))
    if filters.date_to:
        events = events.filter(
            occurred_at__lt=day_start(filters.date_to + datetime.timedelta(days=1))
        )
    if filters.user is not None:
        events = events.filter(involving_user(filters.user))
    if filters.target_type:
        events = events.filter(target_type=filters.target_type)
        if filters.target_id:
            events = events.filter(target_id=filters.target_id)
    if filters.event_types:
        events = events.filter(event_type__in=filters.event_types)
    if filters.outcome:
        events = events.filter(outcome=filters.outcome)
    return events


def newest_first(events):
    """Events for a table: newest first, with their actor and organisation (no query per
    row)."""
    return events.select_related("actor", "organisation").order_by("-occurred_at", "-id")


@dataclass
class TypeCount:
    event_type: str
    label: str
    count: int


@dataclass
class GroupCount:
    key: str
    label: str
    total: int = 0
    types: list[TypeCount] = field(default_factory=list)


def counts_by_type(events) -> list[GroupCount]:
    """How many events of each type, in their groups, largest first (one query)."""
    labels = dict(AuditEvent.Type.choices)
    rows = events.order_by().values("event_type").annotate(n=Count("id"))
    groups = {
        key: GroupCount(key, label) for key, label, _p in [*EVENT_GROUPS, (*OTHER_GROUP, ())]
    }
    for row in rows:
        value = row["event_type"]
        group = groups[group_of(value)]
        group.types.append(TypeCount(value, labels.get(value, value), row["n"]))
        group.total += row["n"]
    found = [group for group in groups.values() if group.total]
    for group in found:
        group.types.sort(key=lambda t: (-t.count, t.label))
    return found


def own_use_summary(events, today: datetime.date | None = None) -> list[dict]:
    """A user's own events counted by type for the last 30 and 90 days (one query)."""
    today = today or timezone.localdate()
    since_90 = day_start(today - datetime.timedelta(days=89))
    since_30 = day_start(today - datetime.timedelta(days=29))
    labels = dict(AuditEvent.Type.choices)
    rows = (
        events.filter(occurred_at__gte=since_90)
        .order_by()
        .values("event_type")
        .annotate(
            last_90=Count("id"),
            last_30=Count("id", filter=Q(occurred_at__gte=since_30)),
        )
    )
    summary = [
        {
            "event_type": row["event_type"],
            "label": labels.get(row["event_type"], row["event_type"]),
            "group": group_of(row["event_type"]),
            "last_30": row["last_30"],
            "last_90": row["last_90"],
        }
        for row in rows
    ]
    order = {key: index for index, (key, _l, _p) in enumerate(EVENT_GROUPS)}
    summary.sort(key=lambda row: (order.get(row["group"], 99), -row["last_90"], row["label"]))
    return summary


def details_summary(details: dict, limit: int = 160) -> str:
    """A one-line reading of an event's JSON details for a table cell."""
    if not details:
        return ""
    parts = []
    for key, value in details.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items() if v not in (None, "", []))
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if value in (None, "", []):
            continue
        parts.append(f"{key.replace('_', ' ')}: {value}")
    text = "; ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


RECORD_NAMES = {
    "audit": "Audit trail",
    "disclosure_report": "Disclosure report",
    "risk_assessment": "Risk assessment",
}


# What the review shows instead of an event's record, justification and details when the
# reviewer may not see the record it is about (access.policy.audit_visibility).
WITHHELD = "Withheld: you may not see this record"


def record_kind(event) -> str:
    """The kind of record an event was about, e.g. "Incident" or "Risk assessment"."""
    if not event.target_type:
        return ""
    return RECORD_NAMES.get(event.target_type, event.target_type.replace("_", " ").capitalize())


def record_label(event, visible: bool = True) -> str:
    """What an event was about, e.g. "Incident ASB-2026-000123" or "User 42"; only its kind,
    e.g. "Incident (withheld)", when the reviewer may not see the record."""
    name = record_kind(event)
    if not visible:
        return f"{name} (withheld)" if name else "Withheld"
    return f"{name} {event.target_id}" if name and event.target_id else name


def details_json(details: dict) -> str:
    return json.dumps(details, sort_keys=True, ensure_ascii=False) if details else ""


# --- Registers (A5, A6) -----------------------------------------------------------------------


def in_period(queryset, field_name: str, start, end):
    if start:
        queryset = queryset.filter(**{f"{field_name}__gte": start})
    if end:
        queryset = queryset.filter(**{f"{field_name}__lte": end})
    return queryset


@dataclass
class VolumeTable:
    """Disclosures counted by one breakdown (reason or legal gateway) per organisation."""

    title: str
    organisations: list[str]
    rows: list[dict]  # {"label", "counts": [per organisation], "total"}
    totals: list[int]  # per organisation
    total: int

    def long_rows(self, breakdown: str) -> list[tuple[str, str, str, int]]:
        """(organisation, breakdown, value, count) for every non-zero count, then each
        organisation's total."""
        lines = []
        for row in self.rows:
            for organisation, count in zip(self.organisations, row["counts"], strict=True):
                if count:
                    lines.append((organisation, breakdown, row["label"], count))
            if row["total"]:
                lines.append(("All organisations", breakdown, row["label"], row["total"]))
        for organisation, count in zip(self.organisations, self.totals, strict=True):
            lines.append((organisation, breakdown, "All", count))
        lines.append(("All organisations", breakdown, "All", self.total))
        return lines


def _volume(disclosures, field_name: str, choices, title: str) -> VolumeTable:
    counts: dict[tuple[str, str], int] = {}
    for row in (
        disclosures.order_by().values("organisation__name", field_name).annotate(n=Count("id"))
    ):
        counts[(row["organisation__name"], row[field_name])] = row["n"]
    organisations = sorted({organisation for organisation, _value in counts})
    rows = []
    for value, label in choices:
        per_organisation = [counts.get((organisation, value), 0) for organisation in organisations]
        rows.append({"label": label, "counts": per_organisation, "total": sum(per_organisation)})
    totals = [
        sum(count for (org, _v), count in counts.items() if org == organisation)
        for organisation in organisations
    ]
    return VolumeTable(title, organisations, rows, totals, sum(totals))


def disclosure_volume(disclosures, start, end) -> tuple[VolumeTable, VolumeTable]:
    """The volume of disclosures made in the period, by organisation x reason and by
    organisation x legal gateway (two queries)."""
    scoped = in_period(disclosures, "disclosed_on", start, end)
    return (
        _volume(scoped, "reason", Disclosure.Reason.choices, "reason"),
        _volume(scoped, "legal_gateway", Disclosure.Gateway.choices, "legal gateway"),
    )
