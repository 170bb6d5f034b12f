"""Reading a complaint draft's sections with the forms that the task-list pages use: shape
checks (types, required fields, choices) at the edge, so that the drafts service takes plain
values and the rules it applies (docs/architecture.md).
"""

from __future__ import annotations

from access.models import User
from incidents.forms import IncidentDetailsForm, InitialContactForm
from incidents.models import ComplaintDraft

from .forms import AlertColleagueForm, FirstEntryForm
from .services import NO_DETAILS, CleanDraft, DraftInvalid


def _cleaned(form_class, raw, **kwargs):
    form = form_class(raw, **kwargs)
    if not form.is_valid():
        return None, form.errors.get_json_data()
    return form.cleaned_data, None


def _completed(draft: ComplaintDraft, section: str) -> dict | None:
    raw = draft.data.get(section)
    return raw if raw and section in draft.completed else None


def clean_draft(draft: ComplaintDraft, *, by: User) -> CleanDraft:
    """Every section of the draft read by its form. Raises DraftInvalid with the problems of
    the initial contact and details (for the task list), or with a "submit" problem when the
    first entry or the alert no longer reads."""
    errors: dict = {}
    contact, contact_errors = _cleaned(InitialContactForm, draft.data.get("initial_contact", {}))
    details, details_errors = _cleaned(
        IncidentDetailsForm, draft.data.get("details", {}), viewer=by
    )
    if "initial_contact" in draft.data and contact_errors:
        errors["initial_contact"] = contact_errors
    if details_errors or "details" not in draft.data:
        errors["details"] = details_errors or {"description": [{"message": NO_DETAILS}]}
    if errors:
        raise DraftInvalid(errors)
    sections = CleanDraft(contact=contact or {}, details=details)
    if (raw := _completed(draft, "entry")) is not None:
        sections.entry, problems = _cleaned(FirstEntryForm, raw)
        if problems:
            raise DraftInvalid({"submit": {"entry": ["The working-sheet entry has a problem."]}})
    if (raw := _completed(draft, "alert")) is not None:
        sections.alert, problems = _cleaned(AlertColleagueForm, raw, user=by)
        if problems:
            raise DraftInvalid({"submit": {"alert": ["The alert has a problem."]}})
    return sections
