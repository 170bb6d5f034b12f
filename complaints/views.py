"""Logging a complaint as a GOV.UK task list, kept as a draft on the server (SPEC §5-§8).

Every section's input is saved to the draft whether or not it validates, and the browser
autosaves as the user types (frontend/static/js/app.mjs), so nothing typed is lost to a
time-out or an error. Submitting creates the whole complaint in one transaction.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from access import policy
from incidents import queries
from incidents.forms import IncidentDetailsForm, InitialContactForm
from people.matching import find_matches

from . import sections as draft_sections
from . import services as drafts
from .forms import (
    AlertColleagueForm,
    AnonymisedPersonForm,
    DraftPersonForm,
    FirstEntryForm,
    RiskAnswersForm,
)

TITLES = {
    "initial_contact": "Initial contact",
    "details": "Incident details",
    "people": "People involved",
    "risk": "Victim risk assessment",
    "entry": "First working-sheet entry",
    "alert": "Alert a colleague",
}
HINTS = {
    "initial_contact": "How and when it was reported, and about the complainant",
    "details": "What happened, where, and how it is classified",
    "people": "Complainant, victims, witnesses and alleged perpetrators",
    "risk": "The victim risk questionnaire",
    "entry": "A note, contact or visit to start the working sheet",
    "alert": "Tell a colleague the complaint needs them",
}


def _form_for(section: str, draft, data=None):
    forms = {
        "initial_contact": InitialContactForm,
        "details": IncidentDetailsForm,
        "risk": RiskAnswersForm,
        "entry": FirstEntryForm,
    }
    if section == "alert":
        return AlertColleagueForm(data, user=draft.owner)
    if section == "details":
        return IncidentDetailsForm(data, viewer=draft.owner)
    return forms[section](data)


def _draft(request, pk: int):
    """The user's own draft; anyone else's answers 404 as a missing one does (logged, V5).
    A draft already submitted raises AlreadySubmitted: its pages land on the case."""
    action = "edit" if request.method == "POST" else "view"
    draft = queries.get_draft_for_user(request.user, pk, request=request, action=action)
    if draft.submitted_as_id is not None:
        raise drafts.AlreadySubmitted(draft.submitted_as)
    return draft


def _lands_on_the_case(view):
    """Every page of a draft: once the draft is submitted (a second tab, Back, a double
    click), the request lands on the case it became instead of logging another."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except drafts.AlreadySubmitted as submitted:
            return _already_submitted(request, submitted.incident)

    return wrapped


def _already_submitted(request, incident):
    text = f"This complaint was already submitted as {incident.urn}."
    if policy.can(request.user, policy.Action.VIEW, incident):
        messages.info(request, text)
        return redirect("incident-detail", urn=incident.urn)
    # G1: a basic user never opens the record; they are shown its reference again.
    return render(request, "complaints/logged.html", {"urn": incident.urn, "already": text})


def _anonymised(draft) -> bool:
    return draft.data.get("details", {}).get("is_anonymised") in ("on", "true", True)


@login_required
@require_http_methods(["GET", "POST"])
def start(request):
    """Resume an unfinished complaint, or start a new one."""
    if not policy.may_log_complaints(request.user):
        raise Http404
    if request.method == "POST":
        draft = drafts.start_draft(by=request.user)
        return redirect("complaint-tasks", pk=draft.pk)
    unfinished = policy.drafts_for(request.user).filter(submitted_as=None)
    return render(request, "complaints/start.html", {"drafts": unfinished})


@login_required
@_lands_on_the_case
def tasks(request, pk: int):
    draft = _draft(request, pk)
    sections = drafts.sections_for(request.user)
    items = [
        {
            "section": section,
            "title": TITLES[section],
            "hint": HINTS[section],
            "done": section in draft.completed,
            "started": section in draft.data and draft.data.get(section) not in ({}, []),
            "required": section in drafts.REQUIRED,
            "url": reverse(
                "complaint-person-add" if section == "people" else "complaint-section",
                kwargs={"pk": draft.pk}
                if section == "people"
                else {"pk": draft.pk, "section": section},
            ),
        }
        for section in sections
    ]
    return render(
        request,
        "complaints/tasks.html",
        {
            "draft": draft,
            "items": items,
            "people": draft.data.get("people", []),
            "ready": set(draft.completed) >= drafts.REQUIRED,
            "errors": request.session.pop(f"draft-{draft.pk}-errors", None),
            "may_search": policy.may_search(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@_lands_on_the_case
def section(request, pk: int, section: str):
    draft = _draft(request, pk)
    if section not in drafts.sections_for(request.user) or section == "people":
        raise Http404
    if request.method == "POST":
        form = _form_for(section, draft, request.POST)
        raw = {k: v for k, v in request.POST.lists() if k != "csrfmiddlewaretoken"}
        raw = {k: v if len(v) > 1 or k in _multi(form) else v[0] for k, v in raw.items()}
        valid = form.is_valid()
        drafts.save_section(draft, section, raw, complete=valid)
        if valid:
            return redirect("complaint-tasks", pk=draft.pk)
    else:
        form = _form_for(section, draft, draft.data.get(section) or None)
        if section in draft.data:
            form.is_valid()  # show the problems of what was saved before
    return render(
        request,
        "complaints/section.html",
        {"draft": draft, "form": form, "section": section, "title": TITLES[section]},
    )


def _multi(form) -> set[str]:
    from django import forms

    return {
        name
        for name, field in form.fields.items()
        if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)
    }


@login_required
@require_POST
@_lands_on_the_case
def autosave(request, pk: int, section: str):
    """Keep what is being typed, as it is typed (204, no page): nothing is lost if the
    session times out before the user presses the button."""
    draft = _draft(request, pk)
    if section not in drafts.sections_for(request.user) or section == "people":
        raise Http404
    form = _form_for(section, draft, request.POST)
    raw = {k: v for k, v in request.POST.lists() if k != "csrfmiddlewaretoken"}
    raw = {k: v if len(v) > 1 or k in _multi(form) else v[0] for k, v in raw.items()}
    drafts.save_section(draft, section, raw, complete=form.is_valid())
    return HttpResponse(status=204)


@login_required
@require_http_methods(["GET", "POST"])
@_lands_on_the_case
def person_add(request, pk: int):
    """Step 1: who (role, name, date of birth, postcode). Step 2: link an existing person
    who looks the same (P2), or add them as new. Anonymised records take a label only."""
    draft = _draft(request, pk)
    anonymised = _anonymised(draft)
    form_class = AnonymisedPersonForm if anonymised else DraftPersonForm
    form = form_class(request.POST or None)
    matches, choice_error = None, None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if anonymised:
            drafts.add_person(draft, data)
            return redirect("complaint-tasks", pk=draft.pk)
        choice = request.POST.get("choice")
        if choice is None:
            matches = _matches(request.user, data)
            if not matches:
                choice = "new"
            elif request.POST.get("step") == "choose":
                # Nothing is chosen for the user: a hurried Continue must not link a stranger.
                choice_error = CHOOSE_A_MATCH
        if choice is not None:
            entry = {
                "role": data["role"],
                "risk_notes": data["risk_notes"],
                "support_needs": data["support_needs"],
            }
            if choice == "new":
                entry["new"] = _person_fields(data)
            else:  # someone the user can see: anyone else is 404, logged (V5)
                person = policy.get_person_for_user(
                    request.user, choice, request=request, record_view=False
                )
                entry["person_id"] = person.pk
                entry["label"] = str(person)
            drafts.add_person(draft, entry)
            return redirect("complaint-tasks", pk=draft.pk)
    return render(
        request,
        "complaints/person.html",
        {
            "draft": draft,
            "form": form,
            "matches": matches,
            "anonymised": anonymised,
            "choice_error": choice_error,
        },
    )


CHOOSE_A_MATCH = "Choose the person already recorded, or add a new person."


def _person_fields(data: dict) -> dict:
    fields = {k: data[k] for k in ("given_name", "family_name", "gender", "address", "postcode")}
    if data.get("date_of_birth"):
        fields["date_of_birth"] = data["date_of_birth"].isoformat()
    return fields


def _matches(user, data):
    if not policy.works_cases(user):
        return []  # basic users have no search (G-table)
    return find_matches(
        user,
        given_name=data["given_name"],
        family_name=data["family_name"],
        date_of_birth=data.get("date_of_birth"),
        postcode=data.get("postcode") or "",
    )


@login_required
@require_POST
@_lands_on_the_case
def person_remove(request, pk: int, index: int):
    draft = _draft(request, pk)
    drafts.remove_person(draft, index)
    return redirect("complaint-tasks", pk=draft.pk)


@login_required
@require_POST
@_lands_on_the_case
def submit(request, pk: int):
    draft = _draft(request, pk)
    try:
        sections = draft_sections.clean_draft(draft, by=request.user)
        submitted = drafts.submit_draft(draft, by=request.user, sections=sections)
    except drafts.DraftInvalid as invalid:
        request.session[f"draft-{draft.pk}-errors"] = _messages(invalid.errors)
        return redirect("complaint-tasks", pk=draft.pk)
    except PermissionDenied:
        raise Http404 from None
    incident = submitted.incident
    if not policy.works_cases(request.user):
        # G1: a basic user never opens the record again; they are shown its reference once.
        request.session["logged_urn"] = incident.urn
        return redirect("complaint-logged")
    messages.success(request, f"Complaint logged with reference {incident.urn}.")
    for line in _repeat_lines(submitted.repeats):
        messages.warning(request, line)
    return redirect("incident-detail", urn=incident.urn)


def _messages(errors: dict) -> list[str]:
    lines = []
    for section_name, problems in errors.items():
        title = TITLES.get(section_name, "Complaint")
        for field_problems in problems.values():
            for problem in field_problems:
                text = problem["message"] if isinstance(problem, dict) else str(problem)
                lines.append(f"{title}: {text}")
    return lines


def _repeat_lines(repeats) -> list[str]:
    """S4a: tell the officer, at logging, who and where has been involved before."""
    if repeats is None or not repeats.any:
        return []
    _count, days = repeats.rule
    lines = [
        f"Repeat victim: {person} has been involved in {n} incidents in the last {days} days."
        for person, n in repeats.victims
    ]
    lines += [
        f"Repeat perpetrator: {person} has been involved in {n} incidents in the last {days} days."
        for person, n in repeats.perpetrators
    ]
    if repeats.location:
        lines.append(
            f"Repeat location: {repeats.location_incidents} incidents at this address in the "
            f"last {days} days."
        )
    return lines


@login_required
def logged(request):
    """The confirmation page after submitting: the new case's reference, shown once."""
    urn = request.session.pop("logged_urn", None)
    if urn is None:
        return redirect("home")
    return render(request, "complaints/logged.html", {"urn": urn})


@login_required
@require_POST
@_lands_on_the_case
def discard(request, pk: int):
    drafts.discard_draft(_draft(request, pk))
    messages.success(request, "Draft complaint deleted.")
    return redirect("log-complaint")


urlpatterns = [
    path("complaints/new/", start, name="log-complaint"),
    path("complaints/logged/", logged, name="complaint-logged"),
    path("complaints/<int:pk>/", tasks, name="complaint-tasks"),
    path("complaints/<int:pk>/people/add/", person_add, name="complaint-person-add"),
    path(
        "complaints/<int:pk>/people/<int:index>/remove/",
        person_remove,
        name="complaint-person-remove",
    ),
    path("complaints/<int:pk>/submit/", submit, name="complaint-submit"),
    path("complaints/<int:pk>/discard/", discard, name="complaint-discard"),
    path("complaints/<int:pk>/<str:section>/", section, name="complaint-section"),
    path("complaints/<int:pk>/<str:section>/autosave/", autosave, name="complaint-autosave"),
]
