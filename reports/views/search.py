"""Basic search (SPEC S1): incidents, people and locations within the user's own scope.

For operational users and above (`policy.may_search`); everyone else gets 404. Whatever a
user's group, basic search covers only the records they can see (`visible_incidents`,
`visible_people`): the county-wide view of analysts belongs to the reporting module, where
a purpose is stated first (V2).

Search terms travel in the POST body and the results are shown on the same page, never with
the terms in a URL (§17). Results are capped (RESULT_LIMIT) with the total, and the user is
asked to narrow a search that finds more; there are no further pages, because a page link
would have to carry the terms. Every search is audited: incidents and locations here
(`record_search`), people by `people.services.search_people`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.db.models import Case, Count, F, IntegerField, Max, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from access import policy
from incidents.models import Incident
from people import services as people_services
from people.forms import PersonSearchForm

from ..forms import SearchForm
from ..search import incidents_at_location, incidents_matching_text, on_postgres
from ..services import record_search

# The most results a search shows (page and API); the total is always given.
RESULT_LIMIT = 50
# The latest references listed against each location.
URNS_PER_LOCATION = 5
EMPTY_TEXT = "Enter something to search for."
PEOPLE_FIELDS = ("given_name", "family_name", "date_of_birth", "postcode")
TEXT_HINT = (
    "For incidents: a reference (like ASB-2026-000123), a crime reference, or words from "
    "what happened or the address. For locations: a postcode, UPRN or street name. For "
    "people, use their details above instead."
)


@dataclass
class Results:
    """What a search found: `rows` (at most the limit), `total`, and the highest marking
    among the records behind them."""

    kind: str
    rows: list = field(default_factory=list)
    total: int = 0
    marking: str = ""

    @property
    def capped(self) -> bool:
        return self.total > len(self.rows)


def _marking_rank():
    """A marking as a number (its place in Incident.Marking), so the database can take the
    highest of a group."""
    return Case(
        *(When(marking=value, then=Value(i)) for i, value in enumerate(Incident.Marking.values)),
        default=Value(0),
        output_field=IntegerField(),
    )


def _total(rows: list, queryset, limit: int) -> int:
    """The number of matches: counted only when the page is full, so a short answer costs
    one query."""
    return len(rows) if len(rows) < limit else queryset.count()


def incident_query(user, text: str):
    """The incidents the user can see that match `text`: best matches first on PostgreSQL,
    newest first elsewhere."""
    order = ["-created_at", "-id"]
    if on_postgres():
        order.insert(0, "-text_rank")
    return (
        incidents_matching_text(policy.visible_incidents(user), text)
        .select_related("area", "lead_organisation", "lead_officer")
        .order_by(*order)
    )


def find_incidents(user, text: str, *, limit: int = RESULT_LIMIT) -> Results:
    """Incidents the user can see whose reference, crime reference, description or address
    match `text`."""
    matches = incident_query(user, text)
    rows = list(matches[:limit])
    return Results(
        kind="incidents",
        rows=rows,
        total=_total(rows, matches, limit),
        marking=Incident.Marking.highest(incident.marking for incident in rows),
    )


def location_query(user, text: str):
    """The places (postcode and address) of incidents the user can see at the location
    typed, with the number of incidents at each; the places with most incidents first."""
    return (
        incidents_at_location(policy.visible_incidents(user), text)
        .values("postcode", "address")
        .annotate(
            incident_count=Count("pk"),
            latest=Max("created_at"),
            top_marking=Max(_marking_rank()),
        )
        .order_by("-incident_count", "-latest", "postcode", "address")
    )


def find_locations(user, text: str, *, limit: int = RESULT_LIMIT) -> Results:
    """Places at the location typed, each with the references of its latest incidents.
    Three queries at most, whatever the number of places."""
    places = location_query(user, text)
    rows = [dict(place, urns=[]) for place in places[:limit]]
    total = _total(rows, places, limit)
    if rows:
        at_these = Q(pk__in=[])
        for row in rows:
            at_these |= Q(postcode=row["postcode"], address=row["address"])
        latest = (
            incidents_at_location(policy.visible_incidents(user), text)
            .filter(at_these)
            .annotate(
                position=Window(
                    RowNumber(),
                    partition_by=[F("postcode"), F("address")],
                    order_by=[F("created_at").desc(), F("id").desc()],
                )
            )
            .filter(position__lte=URNS_PER_LOCATION)
            .order_by("position")
            .values_list("postcode", "address", "urn")
        )
        by_place = {(row["postcode"], row["address"]): row for row in rows}
        for postcode, address, urn in latest:
            by_place[(postcode, address)]["urns"].append(urn)
    markings = list(Incident.Marking.values)
    return Results(
        kind="locations",
        rows=rows,
        total=total,
        marking=Incident.Marking.highest(markings[row["top_marking"]] for row in rows),
    )


def find_people(user, terms: dict, *, limit: int = RESULT_LIMIT) -> Results:
    """People the user can see who are like the details typed (typo-tolerant), best first.
    `search_people` writes the audit event; the marking is the highest among the user's
    visible incidents these people are involved in."""
    matches = people_services.search_people(user, purpose="Basic search", limit=limit, **terms)
    markings = []
    if matches:
        markings = (
            policy.visible_incidents(user)
            .filter(involvements__person__in=[match.person.pk for match in matches])
            .order_by()
            .values_list("marking", flat=True)
            .distinct()
        )
    return Results(
        kind="people",
        rows=matches,
        total=len(matches),
        marking=Incident.Marking.highest(markings),
    )


def run_search(user, kind: str, text: str, *, limit: int = RESULT_LIMIT):
    """An incident or location search, audited with its terms and the number found."""
    finder = find_incidents if kind == "incidents" else find_locations
    results = finder(user, text, limit=limit)
    record_search(user, kind=kind, terms={"text": text}, results=results.total)
    return results


def _error_items(*forms) -> list[dict]:
    """One error summary for the page's two forms; each error links to its control (for
    radios, the first radio)."""
    items = []
    for form in forms:
        if not form.is_bound:
            continue
        items.extend({"text": error, "href": ""} for error in form.non_field_errors())
        for bound in form:
            for error in bound.errors:
                target = (
                    bound.subwidgets[0].id_for_label
                    if bound.widget_type == "radioselect"
                    else bound.id_for_label
                )
                items.append({"text": error, "href": f"#{target}"})
    return items


@login_required
@require_http_methods(["GET", "POST"])
def search(request):
    user = request.user
    if not policy.may_search(user):
        raise Http404
    posted = request.method == "POST"
    form = SearchForm(request.POST if posted else None)
    form.fields["text"].help_text = TEXT_HINT
    # Terms are personal data: keep them out of the browser's autofill history too.
    form.fields["text"].widget.attrs["autocomplete"] = "off"
    kind = request.POST.get("kind") if posted else form.fields["kind"].initial
    # The people's details are checked only for a people search; otherwise what was typed
    # in them is simply kept (an unbound form with it as initial values shows no errors).
    if posted and kind == "people":
        people_form = PersonSearchForm(request.POST)
    else:
        people_form = PersonSearchForm(
            initial={name: request.POST.get(name, "") for name in PEOPLE_FIELDS}
            if posted
            else None
        )

    results = None
    if posted and form.is_valid():
        kind = form.cleaned_data["kind"]
        if kind == "people":
            if people_form.is_valid():
                results = find_people(user, people_form.cleaned_data, limit=RESULT_LIMIT)
        else:
            text = form.cleaned_data["text"]
            if not text:
                form.add_error("text", EMPTY_TEXT)
            else:
                results = run_search(user, kind, text, limit=RESULT_LIMIT)

    return render(
        request,
        "reports/search.html",
        {
            "form": form,
            "people_form": people_form,
            "results": results,
            "limit": RESULT_LIMIT,
            "errors": _error_items(form, people_form),
            "protective_marking": results.marking if results else Incident.Marking.highest([]),
        },
    )
