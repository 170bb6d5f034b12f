"""Hotspots and patterns (SPEC S4) and depersonalised statistics (S5): read-side queries.

Every function takes an incident queryset the policy has already scoped (and the page has
already narrowed to a period); nothing here decides who sees what. Where a table names
records (URNs, people), the viewer is passed in only so that the policy's own conditions can
say, in the same query, which of them the viewer may open.

Each table costs a fixed number of queries, however many incidents it covers.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import (
    Cast,
    Coalesce,
    Concat,
    ExtractHour,
    ExtractIsoWeekDay,
    Lower,
    Replace,
    Round,
    TruncMonth,
    Upper,
)

from access import policy
from incidents.models import Incident
from people.models import Involvement
from people.repeats import PERPETRATOR_ROLES, VICTIM_ROLES

from .queries import with_reported_at

# Hotspot grid: 0.005 degrees is about 550 m north-south and 340 m east-west in the East
# Midlands - a few streets, coarse enough that a cell does not point at one house.
GRID_DEGREES = Decimal("0.005")

# "Not recorded" stands for a blank category (skeleton complaints, old records).
CATEGORIES = [*Incident.Category.choices, ("", "Not recorded")]


def _category_label(code: str) -> str:
    return dict(CATEGORIES).get(code, code)


# --- Where: hotspot cells --------------------------------------------------------------------


@dataclass
class HotspotCell:
    latitude: float  # the centre of the grid cell, not of any incident
    longitude: float
    count: int
    area: str  # the area of the cell's incidents (the first by name, if it straddles two)
    categories: dict[str, int]  # category label -> count, every category, zeros included

    @property
    def description(self) -> str:
        """The cell in words, for the map's popup and screen readers."""
        parts = [f"{n} {label}" for label, n in self.categories.items() if n]
        noun = "incident" if self.count == 1 else "incidents"
        return f"{self.count} {noun} near {self.area}: {', '.join(parts)}"

    def as_json(self) -> dict:
        return {
            "lat": self.latitude,
            "lng": self.longitude,
            "count": self.count,
            "label": self.description,
        }


def hotspot_cells(incidents: QuerySet, precision: Decimal = GRID_DEGREES) -> list[HotspotCell]:
    """Incidents with map coordinates, counted per grid cell (rounded latitude and longitude),
    busiest first, with their categories. One query: the grouping is done by the database."""
    step = float(precision)
    by_category = {
        f"n_{index}": Count("pk", filter=Q(category=code))
        for index, (code, _label) in enumerate(CATEGORIES)
    }
    rows = (
        incidents.filter(latitude__isnull=False, longitude__isnull=False)
        .annotate(
            cell_y=Round(Cast("latitude", FloatField()) / Value(step)),
            cell_x=Round(Cast("longitude", FloatField()) / Value(step)),
        )
        .order_by()
        .values("cell_y", "cell_x")
        .annotate(total=Count("pk"), area_name=Min("area__name"), **by_category)
        .order_by("-total", "-cell_y", "cell_x")
    )
    decimals = max(0, -precision.as_tuple().exponent)
    return [
        HotspotCell(
            latitude=round(int(row["cell_y"]) * step, decimals),
            longitude=round(int(row["cell_x"]) * step, decimals),
            count=row["total"],
            area=row["area_name"],
            categories={
                label: row[f"n_{index}"] for index, (_code, label) in enumerate(CATEGORIES)
            },
        )
        for row in rows
    ]


# --- When: weekday x time of day -------------------------------------------------------------

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# Four-hour bands of the local (UK) clock: (first hour, label).
TIME_BANDS = [
    (0, "Midnight to 4am"),
    (4, "4am to 8am"),
    (8, "8am to noon"),
    (12, "Noon to 4pm"),
    (16, "4pm to 8pm"),
    (20, "8pm to midnight"),
]
BAND_HOURS = 4


@dataclass
class WeekdayTable:
    bands: list[str]
    rows: list[tuple[str, list[int], int]]  # (weekday, count per band, weekday total)
    band_totals: list[int]
    total: int


def incidents_by_weekday_and_time(incidents: QuerySet) -> WeekdayTable:
    """When incidents were reported (received, else logged), by weekday and four-hour band of
    the UK clock. One query (counts per weekday and hour, banded here)."""
    counts = defaultdict(int)
    rows = (
        with_reported_at(incidents)
        .annotate(weekday=ExtractIsoWeekDay("reported_at"), hour=ExtractHour("reported_at"))
        .order_by()
        .values("weekday", "hour")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[(row["weekday"], row["hour"] // BAND_HOURS)] += row["n"]
    table = []
    for number, weekday in enumerate(WEEKDAYS, start=1):
        cells = [counts[(number, band)] for band in range(len(TIME_BANDS))]
        table.append((weekday, cells, sum(cells)))
    band_totals = [sum(row[1][band] for row in table) for band in range(len(TIME_BANDS))]
    return WeekdayTable(
        bands=[label for _hour, label in TIME_BANDS],
        rows=table,
        band_totals=band_totals,
        total=sum(band_totals),
    )


# --- Repeats: locations, victims, perpetrators -----------------------------------------------


@dataclass
class RepeatIncident:
    urn: str
    reported_at: datetime.datetime
    may_view: bool  # whether the viewer may open it (the policy's "view" condition)


@dataclass
class Repeat:
    label: str  # the place, or the person's name
    count: int
    latest: datetime.datetime
    incidents: list[RepeatIncident] = field(default_factory=list)
    person_id: int | None = None
    may_view_person: bool = False


@dataclass
class RepeatTable:
    rows: list[Repeat]  # the `limit` with most incidents
    total: int  # how many places or people reach the threshold in all

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


REPEAT_LIMIT = 50
NO_KEY = "none"  # no place has this key (see place_key)


def _squashed(expression, *characters: str):
    """The expression without the given characters (spaces, punctuation)."""
    for character in characters:
        expression = Replace(expression, Value(character), Value(""))
    return expression


def place_key():
    """Which place an incident happened at, for counting repeats: its UPRN when recorded,
    else its postcode and address ignoring case, spaces, commas and full stops ("7 Canal
    St." and "7, canal st" are one place); "" when there is neither. The same places as the
    S4a repeat flag (incidents.services.repeats.same_place), made insensitive to typing."""
    return Case(
        When(~Q(uprn=""), then=Concat(Value("uprn:"), "uprn")),
        When(
            ~Q(postcode="") & ~Q(address=""),
            then=Concat(
                Value("at:"),
                Upper(_squashed(F("postcode"), " ")),
                Value("|"),
                Lower(_squashed(F("address"), " ", ",", ".")),
            ),
        ),
        default=Value(""),
        output_field=CharField(),
    )


def _viewable(viewer):
    return ExpressionWrapper(policy.incident_scope(viewer, "view"), output_field=BooleanField())


def repeat_locations(
    incidents: QuerySet, minimum: int, viewer, limit: int = REPEAT_LIMIT
) -> RepeatTable:
    """Places with at least `minimum` of the incidents, most incidents first, each with its
    incidents' URNs (newest first). Two queries."""
    incidents = with_reported_at(incidents).annotate(place=place_key())
    groups = list(
        incidents.exclude(place="")
        .order_by()
        .values("place")
        .annotate(n=Count("pk"), latest=Max("reported_at"))
        .filter(n__gte=minimum)
        .order_by("-n", "-latest", "place")
    )
    shown = groups[:limit]
    # With nothing to list, an impossible key keeps the query (and the page's query count)
    # the same, where an empty list would skip it.
    listed = (
        incidents.filter(place__in=[group["place"] for group in shown] or [NO_KEY])
        .annotate(may_view=_viewable(viewer))
        .order_by("-reported_at", "-pk")
        .values("place", "urn", "reported_at", "may_view", "address", "postcode", "uprn")
    )
    by_place = defaultdict(list)
    for row in listed:
        by_place[row["place"]].append(row)
    rows = []
    for group in shown:
        found = by_place[group["place"]]
        newest = found[0] if found else {"address": "", "postcode": "", "uprn": ""}
        label = ", ".join(part for part in (newest["address"], newest["postcode"]) if part)
        if newest["uprn"]:
            label = f"{label} (UPRN {newest['uprn']})" if label else f"UPRN {newest['uprn']}"
        rows.append(
            Repeat(
                label=label,
                count=group["n"],
                latest=group["latest"],
                incidents=[
                    RepeatIncident(row["urn"], row["reported_at"], row["may_view"])
                    for row in found
                ],
            )
        )
    return RepeatTable(rows=rows, total=len(groups))


def _repeat_people(incidents, roles, minimum, viewer, limit) -> RepeatTable:
    involvements = Involvement.objects.filter(
        incident__in=incidents.values("pk"), role__in=roles, person__isnull=False
    ).annotate(reported_at=Coalesce("incident__received_at", "incident__created_at"))
    groups = list(
        involvements.order_by()
        .values("person_id")
        .annotate(n=Count("incident_id", distinct=True), latest=Max("reported_at"))
        .filter(n__gte=minimum)
        .order_by("-n", "-latest", "person_id")
    )
    shown = groups[:limit]
    listed = (  # no person has pk 0: the query runs even with no one to list, as above
        involvements.filter(person_id__in=[group["person_id"] for group in shown] or [0])
        .annotate(
            may_view=Exists(
                Incident.objects.filter(policy.incident_scope(viewer, "view")).filter(
                    pk=OuterRef("incident_id")
                )
            ),
            may_view_person=Exists(policy.visible_people(viewer).filter(pk=OuterRef("person_id"))),
        )
        .order_by("-reported_at", "-incident_id")
        .values(
            "person_id",
            "person__given_name",
            "person__family_name",
            "incident_id",
            "incident__urn",
            "reported_at",
            "may_view",
            "may_view_person",
        )
    )
    by_person = defaultdict(list)
    for row in listed:
        # One incident once, though the person is (say) both its victim and complainant.
        if all(seen["incident_id"] != row["incident_id"] for seen in by_person[row["person_id"]]):
            by_person[row["person_id"]].append(row)
    rows = []
    for group in shown:
        found = by_person[group["person_id"]]
        first = found[0] if found else {}
        name = f"{first.get('person__given_name', '')} {first.get('person__family_name', '')}"
        rows.append(
            Repeat(
                label=name.strip(),
                count=group["n"],
                latest=group["latest"],
                incidents=[
                    RepeatIncident(row["incident__urn"], row["reported_at"], row["may_view"])
                    for row in found
                ],
                person_id=group["person_id"],
                may_view_person=bool(first.get("may_view_person")),
            )
        )
    return RepeatTable(rows=rows, total=len(groups))


def repeat_victims(incidents, minimum: int, viewer, limit: int = REPEAT_LIMIT) -> RepeatTable:
    """People who are the victim or complainant in at least `minimum` of the incidents. Two
    queries."""
    return _repeat_people(incidents, VICTIM_ROLES, minimum, viewer, limit)


def repeat_perpetrators(incidents, minimum: int, viewer, limit: int = REPEAT_LIMIT) -> RepeatTable:
    """People named as the (alleged) perpetrator in at least `minimum` of the incidents. Two
    queries."""
    return _repeat_people(incidents, PERPETRATOR_ROLES, minimum, viewer, limit)


def markings_of(incidents: QuerySet) -> set[str]:
    """The protective markings among the incidents (one query)."""
    return set(incidents.order_by().values_list("marking", flat=True).distinct())


# --- Depersonalised statistics (S5) ----------------------------------------------------------

SUPPRESSED = "suppressed"
SMALLEST_SHOWN = 5


def suppressed(count: int):
    """A count for publication: 1 to 4 become "suppressed" (S5); 0 stays 0, since
    an empty cell identifies no one."""
    return SUPPRESSED if 0 < count < SMALLEST_SHOWN else count


def total_of(values: list) -> int | str:
    """The total of some published counts: itself suppressed when any of them is, so that a
    suppressed count cannot be worked out by subtracting the others from the total. (When none
    is suppressed, each is 0 or at least 5, so the total is too.)"""
    if any(value == SUPPRESSED for value in values):
        return SUPPRESSED
    return sum(values)


def months_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The first day of every month from start's month to end's month."""
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


@dataclass
class StatisticsTable:
    """Incidents by area x month x category, already suppressed."""

    areas: list[str]
    months: list[datetime.date]
    categories: list[str]  # labels
    # (area, month, per-category counts, total) - counts already suppressed
    rows: list[tuple[str, datetime.date, list, int | str]]

    def long_rows(self):
        """One row per area, category and month (the publication CSV's layout)."""
        for area, month, counts, _total in self.rows:
            for category, count in zip(self.categories, counts, strict=True):
                yield area, category, month, count

    @property
    def cell_count(self) -> int:
        return len(self.rows) * len(self.categories)


def monthly_statistics(
    incidents: QuerySet, areas: list, start: datetime.date, end: datetime.date
) -> StatisticsTable:
    """Counts of the incidents reported from `start` to `end` (inclusive) in each of `areas`
    (leaf areas), by month and category, with small numbers suppressed. One query."""
    counts = defaultdict(int)
    rows = (
        with_reported_at(incidents)
        .filter(
            reported_at__date__gte=start,
            reported_at__date__lte=end,
            area__in=[area.pk for area in areas],
        )
        .annotate(month=TruncMonth("reported_at"))
        .order_by()
        .values("area_id", "category", "month")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        counts[(row["area_id"], row["category"], month)] += row["n"]
    months = months_between(start, end)
    table = []
    for area in areas:
        for month in months:
            cells = [suppressed(counts[(area.pk, code, month)]) for code, _label in CATEGORIES]
            table.append((area.name, month, cells, total_of(cells)))
    return StatisticsTable(
        areas=[area.name for area in areas],
        months=months,
        categories=[label for _code, label in CATEGORIES],
        rows=table,
    )
