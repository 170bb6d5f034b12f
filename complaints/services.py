"""Logging a complaint section by section (SPEC §5-§8 as a GOV.UK task list, §16 drafts).

The draft keeps exactly what the user typed, valid or not; `submit_draft` re-validates every
section and creates the incident, its people, risk assessment, first working-sheet entry and
alert in one transaction, or nothing at all.
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from access import policy
from access.models import User
from common.validation import without_nul
from incidents.models import ComplaintDraft, Incident
from incidents.services.incident import log_complaint
from incidents.services.risk import record_assessment
from incidents.services.tasks import create_alert
from incidents.services.worksheet import record_entry
from people import services as people_services
from people.repeats import refresh_repeat_flags

SECTIONS = ["initial_contact", "details", "people", "risk", "entry", "alert"]
REQUIRED = {"details"}
NO_DETAILS = "Enter what happened."
# What a basic user's skeleton complaint may contain (G1: initial contact, description,
# people involved, one working-sheet entry, and an alert).
BASIC_SECTIONS = ["initial_contact", "details", "people", "entry", "alert"]


def sections_for(user: User) -> list[str]:
    return SECTIONS if policy.works_cases(user) else BASIC_SECTIONS


@transaction.atomic
def start_draft(*, by: User) -> ComplaintDraft:
    if not policy.may_log_complaints(by):
        raise PermissionDenied
    return ComplaintDraft.objects.create(owner=by, data={"people": []})


def _unsubmitted(draft: ComplaintDraft) -> None:
    if draft.submitted_as_id is not None:
        raise AlreadySubmitted(draft.submitted_as)


@transaction.atomic
def save_section(draft: ComplaintDraft, section: str, raw: dict, *, complete: bool) -> None:
    """Keep what was typed for a section; mark it complete only when it validated."""
    if section not in SECTIONS or section == "people":
        raise ValueError(section)
    _unsubmitted(draft)
    draft.data[section] = without_nul(raw)
    done = set(draft.completed)
    if complete:
        done.add(section)
    else:
        done.discard(section)
    draft.completed = sorted(done)
    draft.save(update_fields=["data", "completed", "updated_at"])


@transaction.atomic
def add_person(draft: ComplaintDraft, person: dict) -> None:
    """person: {"role", and one of "person_id" (an existing person), "new" (details of a new
    person) or "anonymised_label"}; plus optional "risk_notes", "support_needs"."""
    _unsubmitted(draft)
    draft.data.setdefault("people", []).append(without_nul(person))
    draft.completed = sorted({*draft.completed, "people"})
    draft.save(update_fields=["data", "completed", "updated_at"])


@transaction.atomic
def remove_person(draft: ComplaintDraft, index: int) -> None:
    people = draft.data.setdefault("people", [])
    if 0 <= index < len(people):
        people.pop(index)
        draft.save(update_fields=["data", "updated_at"])


@transaction.atomic
def discard_draft(draft: ComplaintDraft) -> None:
    draft.delete()


@dataclass
class Submitted:
    incident: Incident
    repeats: object
    errors: dict = field(default_factory=dict)


class AlreadySubmitted(Exception):
    """The draft has been submitted already (another tab, Back, a double click): here is
    the case it became."""

    def __init__(self, incident: Incident):
        self.incident = incident
        super().__init__(f"Already submitted as {incident.urn}")


class DraftInvalid(Exception):
    """Some sections do not validate: {section: {field: [messages]}}."""

    def __init__(self, errors: dict):
        self.errors = errors
        super().__init__(f"Sections with problems: {', '.join(errors)}")


@dataclass
class CleanDraft:
    """A draft's sections as plain values, read by their forms at the edge
    (`complaints.sections.clean_draft`): initial contact and details, and the first
    entry and alert when those sections were completed (None otherwise)."""

    contact: dict
    details: dict
    entry: dict | None = None
    alert: dict | None = None


def submit_draft(draft: ComplaintDraft, *, by: User, sections: CleanDraft) -> Submitted:
    """Create the complaint from its draft's cleaned `sections`. Raises DraftInvalid
    (nothing written, the draft kept) when a rule refuses a section, and AlreadySubmitted
    when the draft has been submitted before, or by a request that got there first: the
    draft's row is locked, so two submissions at once log one incident."""
    if draft.owner_id != by.pk:
        raise PermissionDenied
    try:
        with transaction.atomic():
            locked = ComplaintDraft.objects.select_for_update().filter(pk=draft.pk).first()
            if locked is None:
                raise PermissionDenied  # discarded meanwhile
            if locked.submitted_as_id is not None:
                raise AlreadySubmitted(locked.submitted_as)
            return _create(locked, by, sections)
    except ValidationError as error:
        raise DraftInvalid({"submit": error.message_dict if hasattr(error, "error_dict") else
                            {"__all__": error.messages}}) from None  # fmt: skip


def _create(draft, by, sections: CleanDraft) -> Submitted:
    fields = {**sections.contact, **sections.details}
    incident = log_complaint(
        by=by,
        area=fields.pop("area"),
        description=fields.pop("description"),
        marking=fields.pop("marking"),
        **fields,
    )
    visible_people = policy.visible_people(by)
    for entry in draft.data.get("people", []):
        extra = {
            "risk_notes": entry.get("risk_notes", ""),
            "support_needs": entry.get("support_needs", ""),
        }
        if entry.get("person_id"):
            person = visible_people.filter(pk=entry["person_id"]).first()
            if person is None:
                raise ValidationError({"people": "A person you chose is no longer available."})
            people_services.involve(incident, by=by, role=entry["role"], person=person, **extra)
        elif entry.get("anonymised_label"):
            people_services.involve(
                incident, by=by, role=entry["role"], anonymised_label=entry["anonymised_label"],
                **extra,
            )  # fmt: skip
        else:
            people_services.involve(
                incident, by=by, role=entry["role"], person_fields=_from_json(entry["new"]),
                **extra,
            )  # fmt: skip
    _record_risk(draft, by, incident)
    if sections.entry is not None:
        record_entry(incident, by=by, **sections.entry)
    _send_alert(sections.alert, by, incident)
    repeats = refresh_repeat_flags(incident)
    # Nothing typed is kept; the draft remembers the case it became (and goes with it).
    draft.data, draft.completed = {}, []
    draft.submitted_as, draft.submitted_at = incident, timezone.now()
    draft.save(update_fields=["data", "completed", "submitted_as", "submitted_at", "updated_at"])
    return Submitted(incident=incident, repeats=repeats)


def _from_json(fields: dict) -> dict:
    """A new person's details as kept in the draft (JSON) back into Python values."""
    fields = dict(fields)
    if fields.get("date_of_birth"):
        fields["date_of_birth"] = date.fromisoformat(fields["date_of_birth"])
    return fields


def _record_risk(draft, by, incident) -> None:
    raw = draft.data.get("risk")
    if not raw or "risk" not in draft.completed or not policy.works_cases(by):
        return
    answers = {
        int(key.removeprefix("question_")): value == "yes"
        for key, value in raw.items()
        if key.startswith("question_")
    }
    record_assessment(incident, by=by, answers=answers, notes=raw.get("notes", ""))


def _send_alert(cleaned: dict | None, by, incident) -> None:
    if cleaned is None:
        return
    recipient = cleaned["recipient"]
    if not policy.can(recipient, policy.Action.VIEW, incident):
        raise ValidationError({"alert": f"{recipient} cannot see this complaint."})
    create_alert(
        incident,
        sender=by,
        recipient=recipient,
        kind="new_complaint",
        message=cleaned.get("message", ""),
    )
