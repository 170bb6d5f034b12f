"""The ad-hoc report (SPEC S2): filters over incidents, people and involvements, result
columns, sorting and grouped summaries. Read-side only; scope comes from the policy
(`policy.reportable_incidents`), never from here.

A report is a `ReportDefinition`: what to list (the subject) and the filters. The filters
always select incidents; people and involvements are those of the selected incidents.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field

from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncMonth

from access import policy
from access.models import Area
from incidents.models import AggravatingFactor, Incident
from incidents.queries import day_start
from people.models import Intervention, Involvement, Person

from .models import SavedReport
from .search import incidents_matching_text

SUBJECTS = {
    "incidents": "Incidents",
    "people": "People",
    "involvements": "Involvements (people in incidents)",
}

# Grouped summaries: the dimensions a count can be broken down by (rows x columns).
DIMENSIONS = {
    "area": ("Area", "area__name"),
    "month": ("Month", "reported_month"),
    "category": ("Category", "category"),
    "risk": ("Risk", "current_risk"),
    "status": ("Status", "status"),
    "organisation": ("Lead organisation", "lead_organisation__name"),
}


@dataclass
class ReportDefinition:
    """What the user asked for, in plain values (it is saved as JSON and logged as is)."""

    subject: str = "incidents"
    reported_from: datetime.date | None = None
    reported_to: datetime.date | None = None
    areas: list[int] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    aggravating_factors: list[str] = field(default_factory=list)
    risk_levels: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    intervention_types: list[int] = field(default_factory=list)
    organisations: list[int] = field(default_factory=list)
    text: str = ""
    group_rows: str = ""
    group_columns: str = ""

    def as_json(self) -> dict:
        data = asdict(self)
        for key in ("reported_from", "reported_to"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_json(cls, data: dict) -> ReportDefinition:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        for key in ("reported_from", "reported_to"):
            if known.get(key):
                known[key] = datetime.date.fromisoformat(known[key])
        return cls(**known)

    def described(self) -> dict:
        """The filters in words, for the audit trail and the results page: only those set."""
        return {key: value for key, value in self.as_json().items() if value not in ("", [], None)}


def with_reported_at(incidents: QuerySet) -> QuerySet:
    """When an incident was reported: the recorded report time, else when it was logged."""
    return incidents.annotate(reported_at=Coalesce("received_at", "created_at"))


def filter_incidents(incidents: QuerySet, definition: ReportDefinition) -> QuerySet:
    """Narrow an already-scoped incident queryset by the definition's filters."""
    d = definition
    incidents = with_reported_at(incidents)
    # Dates are local days: compared as instants (from the start of the first day to the
    # start of the day after the last), so the index on the reported time serves them.
    if d.reported_from:
        incidents = incidents.filter(reported_at__gte=day_start(d.reported_from))
    if d.reported_to:
        incidents = incidents.filter(
            reported_at__lt=day_start(d.reported_to + datetime.timedelta(days=1))
        )
    if d.areas:
        under = Q(pk__in=[])
        for path in Area.objects.filter(pk__in=d.areas).values_list("path", flat=True):
            under |= Q(area__path__startswith=path)
        incidents = incidents.filter(under)
    if d.categories:
        incidents = incidents.filter(category__in=d.categories)
    if d.aggravating_factors:
        incidents = incidents.filter(
            Exists(
                Incident.aggravating_factors.through.objects.filter(
                    incident_id=OuterRef("pk"), aggravatingfactor__code__in=d.aggravating_factors
                )
            )
        )
    if d.risk_levels:
        incidents = incidents.filter(current_risk__in=d.risk_levels)
    if d.statuses:
        incidents = incidents.filter(status__in=d.statuses)
    if d.organisations:
        incidents = incidents.filter(lead_organisation_id__in=d.organisations)
    if d.roles or d.intervention_types:
        incidents = incidents.filter(Exists(_involvements(d).filter(incident_id=OuterRef("pk"))))
    if d.text:
        incidents = incidents_matching_text(incidents, d.text)
    return incidents


def _involvements(definition: ReportDefinition) -> QuerySet:
    """Involvements meeting the role and intervention filters (all of them when unset)."""
    involvements = Involvement.objects.all()
    if definition.roles:
        involvements = involvements.filter(role__in=definition.roles)
    if definition.intervention_types:
        involvements = involvements.filter(
            Exists(
                Intervention.objects.filter(
                    involvement_id=OuterRef("pk"), type_id__in=definition.intervention_types
                )
            )
        )
    return involvements


# --- Result rows --------------------------------------------------------------------------
# Each subject: its queryset (constant queries: joins and one prefetch per page), its columns
# (key, label, how to read the value from a row) and the sort keys users may choose.


def _factors(incident) -> str:
    return ", ".join(factor.label for factor in incident.aggravating_factors.all())


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _person_name(person) -> str:
    return f"{person.given_name} {person.family_name}".strip()


COLUMNS = {
    "incidents": [
        ("urn", "Reference", lambda i: i.urn),
        ("reported", "Reported", lambda i: _date(i.reported_at)),
        ("area", "Area", lambda i: i.area.name),
        ("category", "Category", lambda i: i.get_category_display()),
        ("risk", "Risk", lambda i: i.get_current_risk_display()),
        ("status", "Status", lambda i: i.get_status_display()),
        ("organisation", "Lead organisation", lambda i: i.lead_organisation.name),
        ("factors", "Aggravating factors", _factors),
        ("postcode", "Postcode", lambda i: i.postcode),
    ],
    "people": [
        ("name", "Name", _person_name),
        ("born", "Date of birth", lambda p: _date(p.date_of_birth)),
        ("postcode", "Postcode", lambda p: p.postcode),
        ("incidents", "Incidents", lambda p: p.incident_count),
        ("last", "Latest reported", lambda p: _date(p.last_reported)),
    ],
    "involvements": [
        ("urn", "Reference", lambda v: v.incident.urn),
        ("reported", "Reported", lambda v: _date(v.reported_at)),
        ("name", "Name", lambda v: _person_name(v.person) if v.person else v.anonymised_label),
        ("role", "Role", lambda v: v.get_role_display()),
        ("area", "Area", lambda v: v.incident.area.name),
        ("category", "Category", lambda v: v.incident.get_category_display()),
        (
            "interventions",
            "Interventions",
            lambda v: ", ".join(i.type.label for i in v.interventions.all()),
        ),
    ],
}

SORTS = {
    "incidents": {
        "urn": "urn",
        "reported": "reported_at",
        "area": "area__name",
        "category": "category",
        "risk": "current_risk",
        "status": "status",
        "organisation": "lead_organisation__name",
    },
    "people": {
        "name": "family_name",
        "born": "date_of_birth",
        "incidents": "incident_count",
        "last": "last_reported",
    },
    "involvements": {
        "urn": "incident__urn",
        "reported": "reported_at",
        "name": "person__family_name",
        "role": "role",
        "area": "incident__area__name",
    },
}
# Sort keys that always have a value (the reported time falls back to when it was logged).
NEVER_EMPTY = {"reported"}
DEFAULT_SORT = {"incidents": "-reported", "people": "name", "involvements": "-reported"}


def order_key(subject: str, sort: str) -> tuple[str, list]:
    """A user's sort choice ("area", "-reported") as a safe ORDER BY; unknown keys fall back
    to the subject's default. Returns (the sort as understood, order_by arguments)."""
    keys = SORTS[subject]
    name = sort.lstrip("-")
    if name not in keys:
        sort = DEFAULT_SORT[subject]
        name = sort.lstrip("-")
    expression = F(keys[name])
    if not sort.startswith("-"):
        expression = expression.asc()
    elif name in NEVER_EMPTY:
        # As the index on the reported time is ordered (SQLite cannot index NULLS LAST).
        expression = expression.desc()
    else:
        expression = expression.desc(nulls_last=True)
    return sort, [expression, "-pk" if sort.startswith("-") else "pk"]


def report_rows(scoped_incidents: QuerySet, definition: ReportDefinition, sort: str = ""):
    """The result rows of a report: (the sort applied, an ordered queryset of the subject)."""
    subject = definition.subject if definition.subject in SUBJECTS else "incidents"
    incidents = filter_incidents(scoped_incidents, definition)
    sort, ordering = order_key(subject, sort)
    if subject == "incidents":
        rows = incidents.select_related("area", "lead_organisation").prefetch_related(
            Prefetch("aggravating_factors", queryset=AggravatingFactor.objects.order_by("label"))
        )
    elif subject == "people":
        selected = (
            _involvements(definition)
            .filter(incident__in=incidents.values("pk"), person_id=OuterRef("pk"))
            .order_by()
            .values("person_id")
        )
        rows = (
            Person.objects.filter(merged_into__isnull=True)
            .filter(Exists(selected))
            .annotate(
                incident_count=Subquery(
                    selected.annotate(n=Count("incident_id", distinct=True)).values("n")
                ),
                last_reported=Subquery(
                    selected.annotate(
                        latest=Max(Coalesce("incident__received_at", "incident__created_at"))
                    ).values("latest")
                ),
            )
        )
    else:
        rows = (
            _involvements(definition)
            .filter(incident__in=incidents.values("pk"))
            .annotate(reported_at=Coalesce("incident__received_at", "incident__created_at"))
            .select_related("incident", "incident__area", "person")
            .prefetch_related("interventions__type")
        )
    return sort, rows.order_by(*ordering)


# --- Grouped summaries ----------------------------------------------------------------------


def grouped_counts(scoped_incidents: QuerySet, definition: ReportDefinition):
    """Counts of the selected incidents by one or two dimensions (e.g. area x month):
    (row labels, column labels, {(row, column): count}), or None when no grouping is asked.
    One query."""
    rows_dim, columns_dim = definition.group_rows, definition.group_columns
    if rows_dim not in DIMENSIONS:
        return None
    incidents = filter_incidents(scoped_incidents, definition).annotate(
        reported_month=TruncMonth("reported_at")
    )
    fields = [DIMENSIONS[rows_dim][1]]
    if columns_dim in DIMENSIONS and columns_dim != rows_dim:
        fields.append(DIMENSIONS[columns_dim][1])
    else:
        columns_dim = ""
    counts = {}
    # Every filter is a condition on the incident or an EXISTS, and the dimensions are the
    # incident's own columns or a one-to-one join: each incident is one row, counted once.
    for row in incidents.order_by().values(*fields).annotate(n=Count("pk")):
        row_key = _label(rows_dim, row[fields[0]])
        column_key = _label(columns_dim, row[fields[1]]) if columns_dim else "Incidents"
        counts[(row_key, column_key)] = counts.get((row_key, column_key), 0) + row["n"]
    row_labels = sorted({key[0] for key in counts}, key=_sort_label)
    column_labels = sorted({key[1] for key in counts}, key=_sort_label)
    return row_labels, column_labels, counts


CHOICE_LABELS = {
    "category": dict(Incident.Category.choices),
    "risk": dict(Incident.RiskLevel.choices),
    "status": dict(Incident.Status.choices),
}


def _label(dimension: str, value) -> str:
    if dimension == "month":
        return value.strftime("%Y-%m") if value else "Not known"
    if dimension in CHOICE_LABELS:
        return CHOICE_LABELS[dimension].get(value, "Not assessed" if dimension == "risk" else "")
    return value or "Not known"


def _sort_label(label: str):
    return (label in ("Not known", "Not assessed"), label)


# --- Saved report definitions --------------------------------------------------------------


def get_saved_report_for_user(user, pk, *, request=None, action: str = "view") -> SavedReport:
    """One of the user's own saved definitions (`policy.saved_reports_for`); anyone else's
    answers 404 as a missing one does, logged once (V5)."""
    found = policy.saved_reports_for(user).filter(pk=pk).first() if policy.is_key(pk) else None
    if found is None:
        exists = policy.is_key(pk) and SavedReport.objects.filter(pk=pk).exists()
        policy.deny(user, request, ("report", pk), action, exists=exists)
    return found
