"""V5 on every route: a record outside the user's scope answers 404 exactly as a missing one
does, and each attempt writes exactly one ACCESS_DENIED event.

The test walks every URL pattern of the project (`get_resolver()`, the API router under
/api/v1/ included). A pattern without parameters names no record and is skipped; every
other one must be either

- in ROUTES: who signs in, the records they may reach (`own`), and one or more sets of
  identifiers naming records that exist but are out of their scope (`out_of_scope`); or
- a route whose only parameter is `urn` (an incident, by the project's convention), which is
  tried by a Blaby District Council officer against a Leicester City Council incident; or
- in EXEMPT, with the reason none of its identifiers can ever be out of scope.

A new route that names a record therefore fails here until someone has thought about it.
Each case is requested with GET and POST (API routes also with every other method the
router gives them): each method answers 404 with one new denial, or 405 before the record
is looked at (then with no event); at least one method must reach the record. The 404 body
must be the one a missing record gets.

Then every parameter of every such route is given hostile values (a NUL byte, a control
character, 10,000 characters, a number beyond bigint): always 404, never a 500.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import quote, urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from django.utils import timezone

from access import policy
from access.models import SignedInSession, UserGroup
from audit import registers
from audit.models import AuditEvent, Breach, Disclosure
from complaints.services import start_draft
from incidents.models import RiskQuestion
from incidents.services import log_complaint
from incidents.services.documents import upload_document
from incidents.services.risk import record_assessment
from incidents.services.tasks import raise_task, send_alert
from incidents.services.worksheet import add_entry
from people.merging import merge_people
from people.models import Intervention, InterventionType
from people.services import involve, record_intervention
from reports.queries import ReportDefinition
from reports.services import save_report
from reports.views.common import SESSION_KEY as REPORTING_PURPOSE

# Documents are stored in each test's own folder (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("documents_root")

BLABY = "Blaby District Council"
CITY = "Leicester City Council"
HOST = "Leicestershire County Council"

# Parameters that name no record: DRF's format suffix.
NOT_IDENTIFIERS = {"format"}
# Parameters that name no record but are part of the address: given these values.
FIXED = {"format": "json", "section": "details", "index": "0"}
# Identifiers of records that do not exist, to compare the answers with.
MISSING = {"urn": "ASB-2099-999999"}
MISSING_KEY = "987654321"
# What an attacker puts in a parameter.
HOSTILE = {
    "nul": "ASB-2026-000001\x00",
    "control": "1\x01",
    "long": "9" * 10_000,
    "huge": str(2**64 + 1),
}
SENTINEL = "424242424242"


# --- The world: Blaby District Council's users, and records of theirs and of others ----------


def _person(**overrides) -> dict:
    fields = {
        "given_name": "Alex",
        "family_name": "Example",
        "date_of_birth": datetime.date(1980, 5, 17),
        "postcode": "LE19 2AB",
    }
    return {**fields, **overrides}


def _answers() -> dict[int, bool]:
    return {q.pk: False for q in RiskQuestion.objects.filter(active=True)}


class World:
    """Built lazily: each test creates only the records its route needs."""

    def __init__(self, partnership, make_user):
        self.partnership = partnership
        self.make_user = make_user

    # Users
    @cached_property
    def officer(self):
        return self.make_user(BLABY, UserGroup.OPERATIONAL, username="blaby.officer")

    @cached_property
    def colleague(self):
        return self.make_user(BLABY, UserGroup.ENHANCED, username="blaby.colleague")

    @cached_property
    def admin(self):
        return self.make_user(BLABY, UserGroup.ADMINISTRATOR, username="blaby.admin")

    @cached_property
    def analyst(self):
        return self.make_user(BLABY, UserGroup.ANALYST, username="blaby.analyst")

    @cached_property
    def host(self):
        """A deployment-wide administrator: every partner is theirs to suspend but their own."""
        return self.make_user(
            HOST, UserGroup.ADMINISTRATOR, username="host.admin", manages_all_organisations=True
        )

    @cached_property
    def city_officer(self):
        return self.make_user(CITY, UserGroup.OPERATIONAL, username="city.officer")

    @cached_property
    def city_admin(self):
        return self.make_user(CITY, UserGroup.ADMINISTRATOR, username="city.admin")

    @cached_property
    def city_analyst(self):
        return self.make_user(CITY, UserGroup.ANALYST, username="city.analyst")

    # Incidents
    @cached_property
    def own_incident(self):
        areas = self.partnership.areas
        return log_complaint(by=self.officer, area=areas["Blaby"], description="Noise")

    @cached_property
    def foreign_incident(self):
        areas = self.partnership.areas
        return log_complaint(
            by=self.city_officer, area=areas["Leicester City"], description="Graffiti"
        )

    # Working the case
    def _entry(self, incident, by):
        return add_entry(
            incident,
            by=by,
            kind="note",
            text="Spoke to the neighbours.",
            occurred_at=timezone.now() - datetime.timedelta(hours=1),
        )

    @cached_property
    def own_entry(self):
        return self._entry(self.own_incident, self.officer)

    @cached_property
    def foreign_entry(self):
        return self._entry(self.foreign_incident, self.city_officer)

    def _task(self, incident, by, to):
        due = timezone.localdate() + datetime.timedelta(days=7)
        return raise_task(incident, by=by, assigned_to=to, title="Visit", due_on=due)

    @cached_property
    def own_task(self):
        return self._task(self.own_incident, self.colleague, self.officer)

    @cached_property
    def foreign_task(self):
        return self._task(self.foreign_incident, self.city_officer, self.city_admin)

    @cached_property
    def own_alert(self):
        return send_alert(self.own_incident, by=self.colleague, recipient=self.officer)

    @cached_property
    def colleagues_alert(self):
        """Another user's alert about a case the officer can see."""
        return send_alert(self.own_incident, by=self.officer, recipient=self.colleague)

    @cached_property
    def foreign_alert(self):
        return send_alert(self.foreign_incident, by=self.city_officer, recipient=self.city_admin)

    def _document(self, incident, by):
        text = SimpleUploadedFile("notes.txt", b"Visited; noise continues.")
        return upload_document(incident, by=by, uploaded_file=text, kind="other")

    @cached_property
    def own_document(self):
        return self._document(self.own_incident, self.officer)

    @cached_property
    def foreign_document(self):
        return self._document(self.foreign_incident, self.city_officer)

    @cached_property
    def own_assessment(self):
        return record_assessment(self.own_incident, by=self.officer, answers=_answers())

    @cached_property
    def foreign_assessment(self):
        return record_assessment(self.foreign_incident, by=self.city_officer, answers=_answers())

    # People
    @cached_property
    def own_involvement(self):
        return involve(
            self.own_incident, by=self.officer, role="perpetrator", person_fields=_person()
        )

    @cached_property
    def foreign_involvement(self):
        return involve(
            self.foreign_incident,
            by=self.city_officer,
            role="perpetrator",
            person_fields=_person(given_name="Sam"),
        )

    def _intervention(self, involvement, by) -> Intervention:
        return record_intervention(
            involvement,
            by=by,
            type=InterventionType.objects.filter(active=True).first(),
            issuing_organisation=by.organisation,
            status=Intervention.Status.ISSUED,
            issued_on=timezone.localdate(),
        )

    @cached_property
    def own_intervention(self):
        return self._intervention(self.own_involvement, self.officer)

    @cached_property
    def foreign_intervention(self):
        return self._intervention(self.foreign_involvement, self.city_officer)

    @cached_property
    def own_person(self):
        return self.own_involvement.person

    @cached_property
    def foreign_person(self):
        return self.foreign_involvement.person

    def _merged_away(self, incident, keep, by, admin):
        duplicate = involve(incident, by=by, role="witness", person_fields=_person()).person
        merge_people(keep, duplicate, by=admin, reason="The same person")
        duplicate.refresh_from_db()
        return duplicate

    @cached_property
    def own_merged_away(self):
        return self._merged_away(self.own_incident, self.own_person, self.officer, self.admin)

    @cached_property
    def foreign_merged_away(self):
        """Merged into a Leicester City person that no Blaby user can see."""
        return self._merged_away(
            self.foreign_incident, self.foreign_person, self.city_officer, self.city_admin
        )

    # Drafts and saved reports
    @cached_property
    def own_draft(self):
        return start_draft(by=self.officer)

    @cached_property
    def others_draft(self):
        return start_draft(by=self.colleague)

    @cached_property
    def own_report(self):
        return save_report(self.analyst, name="Mine", definition=ReportDefinition())

    @cached_property
    def others_report(self):
        return save_report(self.city_analyst, name="Theirs", definition=ReportDefinition())

    # Signed-in sessions: another browser of the officer's, and a colleague's
    def _session(self, user) -> SignedInSession:
        other_browser = Client()
        other_browser.force_login(user)
        return SignedInSession.objects.get(session_key=other_browser.session.session_key)

    @cached_property
    def own_other_session(self):
        return self._session(self.officer)

    @cached_property
    def colleagues_session(self):
        return self._session(self.colleague)

    # Registers
    def _disclosure(self, by) -> Disclosure:
        return registers.record_disclosure(
            by=by,
            disclosed_on=timezone.localdate() - datetime.timedelta(days=3),
            information="Address history",
            subject="A. Example",
            recipient="A case worker",
            recipient_organisation="A housing association",
            reason=Disclosure.Reason.CRIME,
            legal_gateway=Disclosure.Gateway.CDA_S115,
            justification="Joint case",
            authorised_by="The information manager",
        )

    def _breach(self, by) -> Breach:
        return registers.record_breach(
            by=by,
            organisation=by.organisation,
            category=Breach.Category.UNAUTHORISED_ACCESS,
            discovered_on=timezone.localdate() - datetime.timedelta(days=5),
            description="Printed case notes left on a train.",
        )

    @cached_property
    def own_disclosure(self):
        return self._disclosure(self.admin)

    @cached_property
    def foreign_disclosure(self):
        return self._disclosure(self.city_admin)

    @cached_property
    def own_breach(self):
        return self._breach(self.admin)

    @cached_property
    def foreign_breach(self):
        return self._breach(self.city_admin)

    # Organisations
    @cached_property
    def other_partner(self):
        return self.partnership.organisations["Rutland County Council"]


@pytest.fixture
def world(partnership, make_user) -> World:
    return World(partnership, make_user)


@pytest.fixture(autouse=True)
def _no_static_file_scan(settings):
    """Each test's client builds the middleware afresh, and WhiteNoise would walk every
    static source folder (node_modules) each time: no page here serves a static file."""
    settings.WHITENOISE_USE_FINDERS = False


# --- What each route is tried with ---------------------------------------------------------

Values = Callable[[World], dict]


@dataclass(frozen=True)
class Spec:
    user: str  # the World attribute of the user signed in
    own: Values  # every identifier, naming records the user may reach
    out_of_scope: dict[str, Values] = field(default_factory=dict)  # case -> identifiers


def _incident_route(w: World) -> dict:
    return {"urn": w.own_incident.urn}


# A route whose only parameter is `urn` names an incident.
URN_ONLY = Spec(
    "officer",
    _incident_route,
    {"another council's incident": lambda w: {"urn": w.foreign_incident.urn}},
)


def _draft(w: World) -> dict:
    return {"pk": w.own_draft.pk}


DRAFT = Spec("officer", _draft, {"another user's draft": lambda w: {"pk": w.others_draft.pk}})


def _one(user: str, own: str, cases: dict[str, str]) -> Spec:
    """A route whose one identifier is `pk`: the user's record `own`, and records out of
    their scope (case -> World attribute)."""
    return Spec(
        user,
        lambda w: {"pk": getattr(w, own).pk},
        {
            case: (lambda w, attribute=attribute: {"pk": getattr(w, attribute).pk})
            for case, attribute in cases.items()
        },
    )


def _in_incident(own: str, foreign: str, what: str) -> Spec:
    """A record of a case, named with its incident: the whole address out of scope, and
    another council's record under the officer's own incident."""
    return Spec(
        "officer",
        lambda w: {"urn": w.own_incident.urn, "pk": getattr(w, own).pk},
        {
            "another council's incident": lambda w: {
                "urn": w.foreign_incident.urn,
                "pk": getattr(w, foreign).pk,
            },
            f"another council's {what} under the officer's incident": lambda w: {
                "urn": w.own_incident.urn,
                "pk": getattr(w, foreign).pk,
            },
        },
    )


ALERT = _one(
    "officer",
    "own_alert",
    {"a colleague's alert": "colleagues_alert", "an alert on another case": "foreign_alert"},
)
TASK = _one("officer", "own_task", {"a task on another council's case": "foreign_task"})
PERSON = _one("officer", "own_person", {"another council's person": "foreign_person"})
ADMINISTERED_USER = _one("admin", "officer", {"another organisation's user": "city_officer"})
SAVED_REPORT = _one("analyst", "own_report", {"another user's saved report": "others_report"})
OWN_ORGANISATION = Spec(
    "host",
    lambda w: {"pk": w.other_partner.pk},
    {"their own organisation": lambda w: {"pk": w.host.organisation_id}},
)

ROUTES: dict[str, Spec] = {
    # Complaint drafts: their owner's alone.
    "complaint-tasks": DRAFT,
    "complaint-person-add": DRAFT,
    "complaint-person-remove": DRAFT,
    "complaint-submit": DRAFT,
    "complaint-discard": DRAFT,
    "complaint-section": DRAFT,
    "complaint-autosave": DRAFT,
    # Records of a case: reached through their incident.
    "entry-correct": _in_incident("own_entry", "foreign_entry", "entry"),
    "document-download": _in_incident("own_document", "foreign_document", "document"),
    "risk-detail": _in_incident("own_assessment", "foreign_assessment", "assessment"),
    "involvement-detail": _in_incident("own_involvement", "foreign_involvement", "involvement"),
    "intervention-edit": Spec(
        "officer",
        lambda w: {
            "urn": w.own_incident.urn,
            "pk": w.own_involvement.pk,
            "intervention_pk": w.own_intervention.pk,
        },
        {
            "another council's incident": lambda w: {
                "urn": w.foreign_incident.urn,
                "pk": w.foreign_involvement.pk,
                "intervention_pk": w.foreign_intervention.pk,
            },
            "another council's involvement under the officer's incident": lambda w: {
                "urn": w.own_incident.urn,
                "pk": w.foreign_involvement.pk,
                "intervention_pk": w.foreign_intervention.pk,
            },
            "another council's intervention under the officer's involvement": lambda w: {
                "urn": w.own_incident.urn,
                "pk": w.own_involvement.pk,
                "intervention_pk": w.foreign_intervention.pk,
            },
        },
    ),
    "task-detail": TASK,
    "alert-read": ALERT,
    # People
    "person-detail": PERSON,
    "person-edit": PERSON,
    "person-history": PERSON,
    "people-merge-undo": _one(
        "admin",
        "own_merged_away",
        {"a record merged into someone out of sight": "foreign_merged_away"},
    ),
    # Administration, audit review and the registers
    "admin-user": ADMINISTERED_USER,
    "admin-user-edit": ADMINISTERED_USER,
    "admin-user-enable": ADMINISTERED_USER,
    "admin-user-disable": ADMINISTERED_USER,
    "admin-user-password": ADMINISTERED_USER,
    "admin-user-unlock": ADMINISTERED_USER,
    "admin-user-reset-two-factor": ADMINISTERED_USER,
    "admin-partner-suspend": OWN_ORGANISATION,
    "admin-partner-lift": OWN_ORGANISATION,
    "audit-user": _one("analyst", "officer", {"another organisation's user": "city_officer"}),
    "disclosure-detail": _one(
        "admin", "own_disclosure", {"another organisation's disclosure": "foreign_disclosure"}
    ),
    "breach-detail": _one(
        "admin", "own_breach", {"another organisation's breach": "foreign_breach"}
    ),
    "breach-edit": _one(
        "admin", "own_breach", {"another organisation's breach": "foreign_breach"}
    ),
    # The account page: a user signs out only their own other sessions.
    "account-session-sign-out": _one(
        "officer", "own_other_session", {"a colleague's session": "colleagues_session"}
    ),
    # Reports
    "report-saved-run": SAVED_REPORT,
    "report-saved-delete": SAVED_REPORT,
    # Administrators may gather anyone's data for a subject access request, but a record
    # merged away is no longer a person of its own.
    "subject-access-person": _one(
        "admin", "own_person", {"a record merged away": "foreign_merged_away"}
    ),
    # Reference data (EXEMPT below), as the administrators who keep it.
    "reference-list": Spec("admin", lambda w: {"slug": "pen-codes"}),
    "reference-add": Spec("admin", lambda w: {"slug": "pen-codes"}),
    "reference-edit": Spec("admin", lambda w: {"slug": "pen-codes", "pk": _first_pen_code()}),
    # The API
    "api:entry-detail": _one("officer", "own_entry", {"another council's entry": "foreign_entry"}),
    "api:task-detail": TASK,
    "api:task-cancel": TASK,
    "api:task-complete": TASK,
    "api:task-reassign": TASK,
    "api:alert-detail": ALERT,
    "api:alert-read": ALERT,
    "api:document-detail": _one(
        "officer", "own_document", {"another council's document": "foreign_document"}
    ),
    "api:document-download": _one(
        "officer", "own_document", {"another council's document": "foreign_document"}
    ),
    "api:risk-assessment-detail": _one(
        "officer", "own_assessment", {"another council's assessment": "foreign_assessment"}
    ),
    "api:person-detail": PERSON,
    "api:involvement-detail": _one(
        "officer", "own_involvement", {"another council's involvement": "foreign_involvement"}
    ),
    "api:saved-report-detail": SAVED_REPORT,
    "api:risk-question-detail": Spec("officer", lambda w: {"pk": _first_question()}),
}


def _first_pen_code() -> int:
    from incidents.models import PenCode

    return PenCode.objects.order_by("pk").values_list("pk", flat=True).first()


def _first_question() -> int:
    return RiskQuestion.objects.order_by("pk").values_list("pk", flat=True).first()


# Routes that take an identifier that can never be out of anyone's scope, and why.
EXEMPT = {
    "reference-list": "the slug names one of the fixed reference lists, not a record",
    "reference-add": "the slug names one of the fixed reference lists, not a record",
    "reference-edit": (
        "reference items are the whole partnership's: every administrator keeps the same "
        "lists, and nobody else reaches the pages at all"
    ),
    "api:risk-question-detail": (
        "the risk questions are reference data that every user of the system reads"
    ),
}


# --- Walking the URL patterns --------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # namespaced, as for reverse()
    pattern: str
    params: tuple[str, ...]
    methods: tuple[str, ...]  # the API's methods; () for a page (GET and POST are tried)
    format: str  # what a format suffix, if the route takes one, is given

    @property
    def identifiers(self) -> tuple[str, ...]:
        return tuple(p for p in self.params if p not in NOT_IDENTIFIERS)

    @property
    def id(self) -> str:
        return self.name + (f".{self.format}" if "format" in self.params else "")

    @property
    def spec(self) -> Spec | None:
        if self.name in ROUTES:
            return ROUTES[self.name]
        if self.identifiers == ("urn",):
            return URN_ONLY
        return None


def _params(pattern) -> tuple[str, ...]:
    if isinstance(pattern, RoutePattern):  # path()
        return tuple(pattern.converters)
    return tuple(pattern.regex.groupindex)  # re_path(), the router's patterns


def _format(callback) -> str:
    """A format suffix the route renders (an action may have renderers of its own)."""
    view = getattr(callback, "cls", None)
    if view is None:
        return FIXED["format"]
    renderers = view.renderer_classes
    for name in (getattr(callback, "actions", None) or {}).values():
        renderers = getattr(getattr(view, name), "kwargs", {}).get("renderer_classes", renderers)
    return renderers[0].format


def _api_methods(callback) -> tuple[str, ...]:
    """The methods a router's route answers: its actions that its viewset allows."""
    actions = getattr(callback, "actions", None) or {}
    allowed = getattr(getattr(callback, "cls", None), "http_method_names", ())
    return tuple(method for method in actions if method in allowed)


def _walk(resolver: URLResolver, prefix="", namespace="", params=()):
    for entry in resolver.url_patterns:
        here = params + _params(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            yield from _walk(entry, prefix + str(entry.pattern), inner, here)
        elif isinstance(entry, URLPattern) and entry.name:
            yield Route(
                name=f"{namespace}:{entry.name}" if namespace else entry.name,
                pattern=prefix + str(entry.pattern),
                params=here,
                methods=_api_methods(entry.callback),
                format=_format(entry.callback),
            )


ALL_ROUTES = list(_walk(get_resolver()))
WITH_IDENTIFIERS = [route for route in ALL_ROUTES if route.identifiers]
HANDLED = [r for r in WITH_IDENTIFIERS if r.spec and r.name not in EXEMPT]
CASES = [
    pytest.param(route, case, id=f"{route.id}: {case}")
    for route in HANDLED
    for case in route.spec.out_of_scope
]


def test_every_route_that_names_a_record_is_tried_or_exempt():
    unaccounted = sorted(
        {f"{r.name} ({r.pattern})" for r in WITH_IDENTIFIERS if r.spec is None}
        | {f"{r.name}: handled and EXEMPT" for r in HANDLED if r.name in EXEMPT}
        | {
            f"{r.name}: no out-of-scope case"
            for r in HANDLED
            if not r.spec.out_of_scope and r.name not in EXEMPT
        }
    )
    assert not unaccounted, (
        "Routes that name a record but are neither tried here nor EXEMPT: say in ROUTES "
        "which records are out of scope for whom, or in EXEMPT why none can be:\n"
        + "\n".join(unaccounted)
    )
    assert not set(EXEMPT) - {r.name for r in WITH_IDENTIFIERS}, "EXEMPT names a lost route"
    assert not set(ROUTES) - {r.name for r in WITH_IDENTIFIERS}, "ROUTES names a lost route"


def test_the_walk_finds_the_router_and_the_pages():
    names = {route.name for route in WITH_IDENTIFIERS}
    assert {"incident-detail", "api:incident-detail", "api:saved-report-detail"} <= names
    assert len(CASES) > 50


# --- Requesting them -------------------------------------------------------------------------


def _sign_in(client, world: World, spec: Spec):
    user = getattr(world, spec.user)
    client.force_login(user)
    if user.group in (UserGroup.ANALYST, UserGroup.ADMINISTRATOR):
        session = client.session
        session[REPORTING_PURPOSE] = "Checking who may see what"
        session.save()
    return user


def _url(route: Route, values: dict) -> str:
    kwargs = {p: FIXED[p] for p in route.params if p in FIXED}
    if "format" in route.params:
        kwargs["format"] = route.format
    kwargs.update({k: v for k, v in values.items() if k in route.params})
    return reverse(route.name, kwargs=kwargs)


def _methods(route: Route) -> list[str]:
    methods = {"get", "post"} | set(route.methods)
    return sorted(methods - {"head", "options"})


def _request(client, method: str, url: str):
    if method in ("put", "patch"):
        return getattr(client, method)(url, data="{}", content_type="application/json")
    return getattr(client, method)(url)


def _denials() -> int:
    return AuditEvent.objects.filter(event_type=AuditEvent.Type.ACCESS_DENIED).count()


def _comparable(response, keys) -> bytes:
    """The body without the identifiers asked for and the per-response CSRF token."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    for key in sorted(map(str, keys), key=len, reverse=True):
        body = body.replace(key.encode(), b"")
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)


def _missing(values: dict, own: dict) -> dict:
    """The same identifiers, with those that are out of scope replaced by missing ones."""
    return {
        name: value if own.get(name) == value else MISSING.get(name, MISSING_KEY)
        for name, value in values.items()
    }


@pytest.mark.parametrize(("route", "case"), CASES)
def test_out_of_scope_is_not_found_and_logged_once(client, world, route, case):
    spec = route.spec
    _sign_in(client, world, spec)
    own = spec.own(world)
    values = {**own, **spec.out_of_scope[case](world)}
    missing = _missing(values, own)
    url, missing_url = _url(route, values), _url(route, missing)

    reached = []
    for method in _methods(route):
        before = _denials()
        response = _request(client, method, url)
        written = _denials() - before
        if response.status_code == 405 and method not in route.methods:
            assert written == 0, f"{method.upper()} {url}: 405 but {written} denials logged"
            continue
        assert (response.status_code, written) == (404, 1), (
            f"{method.upper()} {url} answered {response.status_code} with {written} "
            "access.denied events: expected 404 with exactly one"
        )
        reached.append(method)
        answer_to_missing = _request(client, method, missing_url)
        assert answer_to_missing.status_code == 404, f"{method.upper()} {missing_url}"
        keys = set(values.values()) | set(missing.values())
        assert _comparable(response, keys) == _comparable(answer_to_missing, keys), (
            f"{method.upper()} {url}: the answer differs from a missing record's"
        )
    assert reached, f"{url}: no method reached the record"


# --- Hostile identifiers ---------------------------------------------------------------------


def test_a_key_check_takes_any_number():
    """A 10,000-digit number is not turned into an int (Python refuses past 4,300 digits)."""
    assert policy.is_key("9" * 10_000) is False
    assert policy.is_key(str(2**63 - 1)) is True
    assert policy.is_key(str(2**63)) is False


HOSTILE_CASES = [
    pytest.param(route, param, id=f"{route.id}: {param}")
    for route in WITH_IDENTIFIERS
    if route.spec
    for param in route.params
    if param != "format"
]


def _hostile_url(route: Route, values: dict, param: str, value: str) -> str:
    url = _url(route, {**values, param: SENTINEL})
    assert url.count(SENTINEL) == 1, url
    return url.replace(SENTINEL, quote(value, safe=""))


@pytest.mark.parametrize(("route", "param"), HOSTILE_CASES)
def test_hostile_identifiers_are_not_found(client, world, route, param):
    spec = route.spec
    _sign_in(client, world, spec)
    own = spec.own(world)
    for kind, value in HOSTILE.items():
        url = _hostile_url(route, own, param, value)
        for method in _methods(route):
            shown = f"{method.upper()} {url[:120]} ({kind})"
            before = _denials()
            response = _request(client, method, url)
            assert response.status_code < 500, shown
            assert _denials() - before <= 1, shown
            if param not in FIXED:  # a record's identifier (others: a redirect is fine)
                assert response.status_code in (404, 405), shown


# --- The ?incident= filter of the API's lists --------------------------------------------------

LISTS = [r for r in ALL_ROUTES if r.name.startswith("api:") and r.name.endswith("-list")]
# The lists narrowed to one incident by ?incident=<URN>: a bad one is 404 (or 400), never 500.
FILTERED = {
    "api:entry-list",
    "api:task-list",
    "api:document-list",
    "api:risk-assessment-list",
    "api:involvement-list",
}


@pytest.mark.parametrize("route", LISTS, ids=lambda route: route.id)
def test_hostile_incident_filters_are_refused(client, world, route):
    assert {r.name for r in LISTS} >= FILTERED
    client.force_login(world.officer)
    url = _url(route, {})
    for kind, value in HOSTILE.items():
        for method in _methods(route):
            response = getattr(client, method)(f"{url}?{urlencode({'incident': value})}")
            shown = f"{method.upper()} {route.id}?incident=({kind})"
            assert response.status_code < 500, shown
            if route.name in FILTERED and method == "get":
                assert response.status_code in (400, 404), shown
