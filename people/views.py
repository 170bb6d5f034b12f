"""Pages for people and their involvement in incidents (SPEC P1-P6, S1, A1).

Every person is reached through the policy (`get_person_for_user`, `visible_people`,
`people_for`), every incident through `get_incident_for_user`: out of scope is 404.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from access import policy
from audit.history import history_of
from audit.models import AuditEvent
from audit.services import record_event
from common.conflicts import StaleEdit
from common.forms import add_service_errors, handle_post
from incidents.models import Incident

from . import queries, services
from .forms import (
    AnonymisedInvolvementForm,
    ConsentForm,
    FindPersonForm,
    InterventionForm,
    InvolvementDetailsForm,
    PersonDetailsForm,
    PersonEditForm,
    PersonSearchForm,
    StatementForm,
)
from .matching import find_matches
from .merging import merge_reasons
from .models import Consent, Involvement, Person
from .repeats import PERPETRATOR_ROLES, VICTIM_ROLES

ROLE_ORDER = [
    Involvement.Role.COMPLAINANT,
    Involvement.Role.VICTIM,
    Involvement.Role.WITNESS,
    Involvement.Role.PERPETRATOR,
    Involvement.Role.DEPENDANT,
]


# --- Helpers ----------------------------------------------------------------------------------


def _people_marking(user, person_ids) -> str:
    """The highest marking among the incidents (that the user may see) of these people."""
    if not person_ids:
        return Incident.Marking.highest([])
    markings = (
        policy.visible_incidents(user)
        .filter(involvements__person__in=list(person_ids))
        .order_by()
        .values_list("marking", flat=True)
        .distinct()
    )
    return Incident.Marking.highest(markings)


def _summary(*forms, extra=()) -> list[dict]:
    """One error summary for a page with several forms: each error links to its control."""
    items = [{"text": text, "href": href} for text, href in extra]
    for form in forms:
        if form is None or not form.is_bound:
            continue
        items.extend({"text": error, "href": ""} for error in form.non_field_errors())
        for field in form:
            for error in field.errors:
                if field.is_hidden:
                    href = ""
                elif field.widget_type == "radioselect":
                    href = f"#{field.subwidgets[0].id_for_label}"
                else:
                    href = f"#{field.id_for_label}"
                items.append({"text": error, "href": href})
    return items


def age_on(date_of_birth: datetime.date | None, today: datetime.date) -> int | None:
    if date_of_birth is None:
        return None
    before_birthday = (today.month, today.day) < (date_of_birth.month, date_of_birth.day)
    return today.year - date_of_birth.year - before_birthday


def person_rows(person: Person) -> list[tuple[str, str]]:
    """(label, value) for each of a person's details, for a summary list."""
    rows = []
    for name in services.PERSON_FIELDS:
        field = Person._meta.get_field(name)
        value = getattr(person, name)
        if field.choices:
            value = getattr(person, f"get_{name}_display")()
        elif isinstance(value, datetime.date):
            value = f"{value.day} {value:%B %Y}"
        rows.append((_LABELS.get(name, str(field.verbose_name).capitalize()), value))
    return rows


_LABELS = {
    "given_name": "First name",
    "family_name": "Last name",
    "postcode": "Postcode",
    "phone": "Phone number",
    "email": "Email address",
    "language": "Preferred language",
    "ethnicity": "Ethnic group",
    "uprn": "UPRN",
    "ni_number": "National Insurance number",
}


def _may_search(user) -> bool:
    return policy.may_search(user)


# --- The incident page's "People involved" card ---------------------------------------------


def detail_context(incident: Incident, user) -> dict:
    """What templates/incidents/sections/people.html needs: one query, whatever the number
    of people. Repeat flags are the incident's own (S4a), shown against the roles they
    concern."""
    today = timezone.localdate()
    involvements = sorted(
        incident.involvements.select_related("person", "dependant_of__person"),
        key=lambda i: (ROLE_ORDER.index(i.role), i.pk),
    )
    rows = []
    for involvement in involvements:
        person = involvement.person
        flags = []
        if incident.repeat_victim_flag and involvement.role in VICTIM_ROLES:
            flags.append("Repeat victim")
        if incident.repeat_perpetrator_flag and involvement.role in PERPETRATOR_ROLES:
            flags.append("Repeat perpetrator")
        dependant_of = involvement.dependant_of
        rows.append(
            {
                "involvement": involvement,
                "name": str(person) if person else involvement.anonymised_label,
                "person_url": reverse("person-detail", args=[person.pk]) if person else "",
                "role": involvement.get_role_display(),
                "dependant_of": (
                    str(dependant_of.person or dependant_of.anonymised_label)
                    if dependant_of
                    else ""
                ),
                "date_of_birth": person.date_of_birth if person else None,
                "age": age_on(person.date_of_birth, today) if person else None,
                "estimated_age": person.estimated_age if person else None,
                "flags": flags,
                "url": reverse("involvement-detail", args=[incident.urn, involvement.pk]),
            }
        )
    return {
        "people_section": {
            "rows": rows,
            "can_add": bool(getattr(incident, "allowed_edit", False)),
            "add_url": reverse("involvement-add", args=[incident.urn]),
            "is_anonymised": incident.is_anonymised,
        }
    }


# --- A person ---------------------------------------------------------------------------------


@login_required
def person_detail(request, pk: int):
    user = request.user
    person = policy.get_person_for_user(user, pk, request=request)
    visible = policy.visible_incidents(user).values("pk")
    involvements = sorted(
        person.involvements.filter(incident__in=visible).select_related(
            "incident", "incident__area"
        ),
        key=lambda i: (-i.incident.created_at.timestamp(), ROLE_ORDER.index(i.role), i.pk),
    )
    consents = list(
        person.consents.filter(incident__in=visible)
        .select_related("incident", "recorded_by")
        .order_by("-decided_on", "-recorded_at", "-id")
    )
    merged_from = list(person.merged_from.order_by("id")) if policy.may_merge_people(user) else []
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "rows": person_rows(person),
            "age": age_on(person.date_of_birth, timezone.localdate()),
            "involvements": involvements,
            "consents": consents,
            "can_edit": policy.people_for(user, "edit").filter(pk=person.pk).exists(),
            "merged_from": merged_from,
            "is_administrator": policy.may_merge_people(user),
            "protective_marking": Incident.Marking.highest(
                i.incident.marking for i in involvements
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk: int):
    user = request.user
    person = policy.get_person_for_user(user, pk, "edit", request=request, record_view=True)
    conflict = None
    if request.method == "POST":
        form = PersonEditForm(request.POST)
        if form.is_valid():
            try:
                services.update_person(
                    person,
                    by=user,
                    expected_version=form.cleaned_data["version"],
                    **form.person_fields(),
                )
            except StaleEdit as stale:
                conflict = stale.changes
                person.refresh_from_db()
                # Keep what they typed; a second save, made knowingly, is based on the
                # version they have now been shown.
                data = request.POST.copy()
                data["version"] = str(person.version)
                form = PersonEditForm(data)
                form.is_valid()
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied:
                raise Http404 from None
            else:
                messages.success(request, f"{person}'s details have been saved.")
                return redirect("person-detail", pk=person.pk)
    else:
        initial = {name: getattr(person, name) for name in services.PERSON_FIELDS}
        initial["version"] = person.version
        form = PersonEditForm(initial=initial)
    return render(
        request,
        "people/edit.html",
        {
            "person": person,
            "form": form,
            "conflict": conflict,
            "protective_marking": _people_marking(user, [person.pk]),
        },
    )


@login_required
def person_history(request, pk: int):
    user = request.user
    person = policy.get_person_for_user(user, pk, request=request)
    record_event(
        AuditEvent.Type.HISTORY_VIEWED,
        actor=user,
        request=request,
        target=("person", person.pk),
        details={"path": request.path},
    )
    merges = list(
        AuditEvent.objects.filter(event_type=AuditEvent.Type.PEOPLE_MERGED)
        .filter(Q(target_type="person", target_id=str(person.pk)) | Q(details__keep=person.pk))
        .order_by("-occurred_at", "-id")
    )
    others = {
        p.pk: p
        for p in Person.objects.filter(
            pk__in={m.details.get("duplicate") for m in merges}
            | {m.details.get("keep") for m in merges}
        )
    }
    reasons = merge_reasons(merges)
    merge_rows = [
        {
            "event": event,
            "reason": reasons[event.pk],
            "undo": event.details.get("action") == "undo",
            "duplicate": others.get(event.details.get("duplicate")),
            "duplicate_id": event.details.get("duplicate"),
            "keep": others.get(event.details.get("keep")),
            "keep_id": event.details.get("keep"),
        }
        for event in merges
    ]
    return render(
        request,
        "people/history.html",
        {
            "person": person,
            "entries": history_of(person),
            "merges": merge_rows,
            "protective_marking": _people_marking(user, [person.pk]),
        },
    )


# --- Adding a person to an incident (P2, P3, C5) --------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def involvement_add(request, urn: str):
    """Step 1 asks who they are; step 2 offers likely matches to link, or a new person's
    details. What was typed travels in the POST body between steps, never in the URL."""
    user = request.user
    incident = policy.get_incident_for_user(user, urn, "edit", request=request)
    context = {"incident": incident, "protective_marking": incident.marking}
    if incident.is_anonymised:
        return _add_anonymised(request, incident, context)

    step = request.POST.get("step") if request.method == "POST" else None
    find = FindPersonForm(request.POST if step else None, incident=incident, prefix="find")
    if step in (None, "change") or not find.is_valid():
        # "change" comes back from step 2: the bound form shows what they typed.
        return render(
            request,
            "people/involvement_find.html",
            {**context, "find": find, "errors": _summary(find) if step == "find" else []},
        )

    terms = {
        "given_name": find.cleaned_data["given_name"],
        "family_name": find.cleaned_data["family_name"],
        "date_of_birth": find.cleaned_data["date_of_birth"],
        "postcode": find.cleaned_data["postcode"],
    }
    if step == "find":
        matches = services.search_people(
            user, purpose=f"Adding a person to {incident.urn}", **terms
        )
        details = PersonDetailsForm(prefix="person", initial=terms)
        more = InvolvementDetailsForm(prefix="involvement")
        return _choose(request, context, find, matches, details, more, choice="")

    # step == "save"
    matches = find_matches(user, **terms)
    offered = {str(match.person.pk): match.person for match in matches}
    choice = request.POST.get("match-choice", "") if matches else "new"
    details = PersonDetailsForm(request.POST, prefix="person")
    more = InvolvementDetailsForm(request.POST, prefix="involvement")
    choice_errors: list[str] = []
    if choice != "new" and choice not in offered:
        choice_errors.append("Choose a person to link, or “None of these”")
    details_ok = details.is_valid() if choice == "new" else True
    if more.is_valid() and details_ok and not choice_errors:
        try:
            involvement = services.add_involvement(
                incident,
                by=user,
                role=find.cleaned_data["role"],
                person=offered.get(choice),
                person_fields=details.person_fields() if choice == "new" else None,
                dependant_of=find.cleaned_data["dependant_of"],
                risk_notes=more.cleaned_data["risk_notes"],
                support_needs=more.cleaned_data["support_needs"],
            )
        except ValidationError as error:
            add_service_errors(details if choice == "new" else more, error, fallback=choice_errors)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(
                request,
                f"{involvement.person} added to {incident.urn} as "
                f"{involvement.get_role_display().lower()}.",
            )
            return redirect("incident-detail", urn=incident.urn)
    if choice != "new":
        # They chose a link, so the new-person details were not checked: show what was
        # typed in them, without messages.
        details = PersonDetailsForm(
            prefix="person",
            initial={
                name: request.POST.get(f"person-{name}", "") for name in services.PERSON_FIELDS
            },
        )
    return _choose(request, context, find, matches, details, more, choice, choice_errors)


def _choose(request, context, find, matches, details, more, choice, choice_errors=()):
    extra = [(error, "#match-choice" if matches else "") for error in choice_errors]
    return render(
        request,
        "people/involvement_choose.html",
        {
            **context,
            "find": find,
            "matches": matches,
            "details": details,
            "more": more,
            "choice": choice,
            "choice_errors": list(choice_errors),
            "errors": _summary(details, more, extra=extra),
            "role_label": Involvement.Role(find.cleaned_data["role"]).label,
        },
    )


def _add_anonymised(request, incident, context):
    form = AnonymisedInvolvementForm(
        request.POST if request.method == "POST" else None, incident=incident
    )
    return handle_post(
        request,
        form,
        lambda data: services.add_involvement(
            incident,
            by=request.user,
            role=data["role"],
            anonymised_label=data["anonymised_label"],
            dependant_of=data["dependant_of"],
            risk_notes=data["risk_notes"],
            support_needs=data["support_needs"],
        ),
        success=lambda involvement: f"{involvement.anonymised_label} added to {incident.urn}.",
        redirect_to=reverse("incident-detail", args=[incident.urn]),
    ) or render(request, "people/involvement_anonymised.html", {**context, "form": form})


# --- One involvement: statements (P4), interventions (P5), consent (P6) -----------------------


def _consent_by_scope(involvement: Involvement) -> list[dict]:
    if involvement.person_id is None:
        return []
    decisions = defaultdict(list)
    for consent in (
        Consent.objects.filter(
            person_id=involvement.person_id, incident_id=involvement.incident_id
        )
        .select_related("recorded_by")
        .order_by("-decided_on", "-recorded_at", "-id")
    ):
        decisions[consent.scope].append(consent)
    return [
        {
            "scope": label,
            "current": decisions[scope][0] if decisions[scope] else None,
            "history": decisions[scope],
        }
        for scope, label in Consent.Scope.choices
    ]


@login_required
@require_http_methods(["GET", "POST"])
def involvement_detail(request, urn: str, pk: int):
    user = request.user
    involvement = queries.get_involvement_for_user(
        user, pk, urn=urn, request=request, related=("person", "dependant_of__person")
    )
    incident = involvement.incident
    may_edit = bool(incident.allowed_edit)
    takes_statements = involvement.role in services.STATEMENT_ROLES
    takes_interventions = involvement.role in services.INTERVENTION_ROLES
    takes_consent = involvement.person_id is not None
    which = request.POST.get("form") if request.method == "POST" else None
    if which and not may_edit:
        raise Http404

    def bound(name):
        return request.POST if which == name else None

    statement_form = (
        StatementForm(bound("statement"), incident=incident, user=user, prefix="statement")
        if takes_statements and may_edit
        else None
    )
    intervention_form = (
        InterventionForm(bound("intervention"), user=user, prefix="intervention")
        if takes_interventions and may_edit
        else None
    )
    consent_form = (
        ConsentForm(bound("consent"), prefix="consent") if takes_consent and may_edit else None
    )
    active = {"statement": statement_form, "intervention": intervention_form}.get(which)
    if which == "consent":
        active = consent_form
    if which and active is None:
        raise Http404
    return handle_post(
        request,
        active,
        lambda data: _record(which, data, involvement, incident, user),
        success=_RECORDED.get(which),
        redirect_to=reverse("involvement-detail", args=[incident.urn, involvement.pk]),
    ) or render(
        request,
        "people/involvement_detail.html",
        {
            "incident": incident,
            "involvement": involvement,
            "may_edit": may_edit,
            "takes_statements": takes_statements,
            "takes_interventions": takes_interventions,
            "statements": list(
                involvement.statements.select_related("taken_by", "document").order_by(
                    "-taken_on", "-id"
                )
            ),
            "interventions": list(
                involvement.interventions.select_related(
                    "type", "issuing_organisation", "recorded_by"
                )
            ),
            "consents": _consent_by_scope(involvement),
            "statement_form": statement_form,
            "intervention_form": intervention_form,
            "consent_form": consent_form,
            "errors": _summary(active) if active is not None else [],
            "protective_marking": incident.marking,
        },
    )


_RECORDED = {
    "statement": "Statement recorded.",
    "intervention": "Intervention recorded.",
    "consent": "Consent decision recorded.",
}


def _record(which, data, involvement, incident, user) -> None:
    if which == "statement":
        services.record_statement(
            involvement,
            by=user,
            taken=data["taken"],
            taken_on=data["taken_on"],
            taken_by=data["taken_by"],
            document=data["document"],
            notes=data["notes"],
        )
    elif which == "intervention":
        services.record_intervention(involvement, by=user, **data)
    else:
        services.record_consent(involvement.person, incident, by=user, **data)


@login_required
@require_http_methods(["GET", "POST"])
def intervention_edit(request, urn: str, pk: int, intervention_pk: int):
    user = request.user
    intervention = queries.get_intervention_for_user(
        user, urn, pk, intervention_pk, request=request
    )
    incident = intervention.involvement.incident
    form = InterventionForm(
        request.POST if request.method == "POST" else None,
        instance=intervention,
        user=request.user,
    )
    return handle_post(
        request,
        form,
        lambda data: services.update_intervention(intervention, by=user, **data),
        success="Intervention updated.",
        redirect_to=reverse("involvement-detail", args=[incident.urn, pk]),
    ) or render(
        request,
        "people/intervention_edit.html",
        {
            "incident": incident,
            "intervention": intervention,
            "involvement": intervention.involvement,
            "form": form,
            "protective_marking": incident.marking,
        },
    )


# --- Search (S1) ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def person_search(request):
    user = request.user
    if not _may_search(user):
        raise Http404
    form = PersonSearchForm(request.POST if request.method == "POST" else None)
    matches = None
    if request.method == "POST" and form.is_valid():
        matches = services.search_people(
            user, purpose="Basic search", limit=20, **form.cleaned_data
        )
    return render(
        request,
        "people/search.html",
        {
            "form": form,
            "matches": matches,
            "protective_marking": _people_marking(user, [m.person.pk for m in matches or []]),
        },
    )
