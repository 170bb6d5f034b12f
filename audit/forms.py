"""Forms of the audit review and the disclosure and breach registers (SPEC A4-A6).

The services (audit/registers.py) hold the rules; these forms give each problem a GOV.UK
message on its own field and keep what was typed.
"""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from access import policy
from common.forms import GovukDateField
from incidents.models import Incident

from . import queries, registers
from .models import AuditEvent, Breach, Disclosure

DEFAULT_REVIEW_DAYS = 30


def date_field(label: str, *, required: bool = False, help_text: str = "",
               required_message: str = "", name: str = "") -> GovukDateField:  # fmt: skip
    """A date in the GOV.UK date input; `name` is how its messages speak of it (the label
    without "(optional)" by default)."""
    return GovukDateField(
        label=label,
        name=name or label.removesuffix(" (optional)"),
        required=required,
        help_text=f"{help_text} For example, 27 3 2026.".strip(),
        required_message=required_message or f"Enter the {label.lower()}.",
    )


def text_field(label: str, *, max_length: int, required: bool = True, rows: int = 0,
               help_text: str = "", required_message: str = "") -> forms.CharField:  # fmt: skip
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput(),
        error_messages={
            "required": required_message or f"Enter {label[0].lower()}{label[1:]}.",
            "max_length": f"{label} must be {max_length:,} characters or fewer.",
        },
    )


# --- Audit review (A4) ------------------------------------------------------------------------

TARGET_TYPES = [
    ("", "Any record"),
    ("incident", "Incident (its reference, like ASB-2026-000123)"),
    ("person", "Person (their number)"),
    ("user", "User account (its number)"),
    ("organisation", "Partner organisation (its number)"),
    ("document", "Document (its number)"),
    ("task", "Task (its number)"),
    ("disclosure", "Disclosure register entry (its number)"),
    ("breach", "Breach register entry (its number)"),
    ("report", "Saved report (its number)"),
]


class AuditFilterForm(forms.Form):
    """The audit review's filters, always POSTed. With `subject` (a user), the form is for
    one user's trail and has no user field."""

    user = forms.TypedChoiceField(
        label="User",
        coerce=int,
        empty_value=None,
        required=False,
        help_text="What the user did, and what was done to their account (sign-in failures, "
        "lockouts, administration).",
        error_messages={"invalid_choice": "Choose a user from the list."},
    )
    target_type = forms.ChoiceField(
        label="Record",
        choices=TARGET_TYPES,
        required=False,
        help_text="Events about one record, or every record of a kind.",
    )
    target_id = forms.CharField(
        label="Reference or number of the record",
        max_length=64,
        required=False,
        # A record the reviewer may not see answers as a missing one does: only their own
        # events about it (audit.views.review, access.policy.audit_visibility).
        help_text="Only a record you may see, or your own events about any other.",
        error_messages={"max_length": "The reference must be 64 characters or fewer."},
    )
    date_from = date_field("From", name="The start date")
    date_to = date_field("To", name="The end date")
    event_groups = forms.MultipleChoiceField(
        label="Kinds of event",
        choices=[(key, label) for key, label, _patterns in queries.EVENT_GROUPS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    event_types = forms.MultipleChoiceField(
        label="Particular events",
        choices=queries.grouped_type_choices,
        required=False,
        help_text="Events of a kind chosen above are included too.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose events from the list."},
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[("", "Any outcome"), *AuditEvent.Outcome.choices],
        required=False,
    )

    def __init__(self, *args, reviewer, subject=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.subject = subject
        if subject is not None:
            del self.fields["user"]
            self._users = {}
        else:
            users = list(
                policy.audit_subjects_for(reviewer)
                .select_related("organisation")
                .order_by("organisation__name", "last_name", "first_name", "username")
            )
            self._users = {user.pk: user for user in users}
            groups: dict[str, list] = {}
            for user in users:
                groups.setdefault(str(user.organisation), []).append(
                    (user.pk, f"{user} ({user.username})")
                )
            self.fields["user"].choices = [("", "Any user"), *groups.items()]

    def event_type_groups(self) -> list[tuple[str, list]]:
        """The event type checkboxes in their groups: (group label, checkboxes), for a
        fieldset per group (Django's checkboxes lose the option groups)."""
        boxes = list(self["event_types"].subwidgets)
        groups, start = [], 0
        for label, options in self.fields["event_types"].choices:
            groups.append((label, boxes[start : start + len(options)]))
            start += len(options)
        return groups

    @classmethod
    def defaults(cls) -> dict:
        """The last 30 days, today included."""
        today = timezone.localdate()
        return {
            "date_from": (today - datetime.timedelta(days=DEFAULT_REVIEW_DAYS)).isoformat(),
            "date_to": today.isoformat(),
        }

    def clean_target_id(self):
        return " ".join(self.cleaned_data["target_id"].split())

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be the same as or after the start.")
        kind, identifier = cleaned.get("target_type"), cleaned.get("target_id")
        if identifier and not kind:
            self.add_error("target_type", "Choose what kind of record the reference is for.")
        elif identifier and kind == "incident":
            cleaned["target_id"] = identifier.upper()
        elif identifier and kind != "incident" and not identifier.isdigit():
            self.add_error("target_id", "Enter the record's number, like 42.")
        return cleaned

    def filters(self) -> queries.AuditFilters:
        data = self.cleaned_data
        types = set(data.get("event_types") or [])
        for group in data.get("event_groups") or []:
            types.update(queries.types_in_group(group))
        user = self.subject if self.subject is not None else self._users.get(data.get("user"))
        return queries.AuditFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            user=user,
            target_type=data.get("target_type") or "",
            target_id=data.get("target_id") or "",
            event_types=tuple(sorted(types)),
            outcome=data.get("outcome") or "",
        )


class PeriodForm(forms.Form):
    """A period for a register list or the disclosure report (GET: only dates)."""

    date_from = date_field("From", name="The start date")
    date_to = date_field("To", name="The end date")

    def __init__(self, *args, default_days: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_days = default_days

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be the same as or after the start.")
        return cleaned

    def period(self) -> tuple[datetime.date | None, datetime.date | None]:
        return self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")


# --- Disclosures (A5) -------------------------------------------------------------------------


class DisclosureForm(forms.Form):
    disclosed_on = date_field(
        "Date disclosed", required=True, required_message="Enter the date of the disclosure."
    )
    information = text_field(
        "What was disclosed",
        max_length=5000,
        rows=4,
        help_text="Describe the information, not a copy of it.",
        required_message="Enter what was disclosed.",
    )
    incident_urn = forms.CharField(
        label="Incident reference (optional)",
        max_length=32,
        required=False,
        help_text="The incident the information came from, like ASB-2026-000123.",
        error_messages={"max_length": "The reference must be 32 characters or fewer."},
    )
    subject = text_field(
        "About whom (optional)",
        max_length=200,
        required=False,
        help_text="The person or people the information is about.",
    )
    recipient = text_field(
        "Disclosed to",
        max_length=200,
        help_text="The name and role of the person who received it.",
        required_message="Enter who the information was disclosed to.",
    )
    recipient_organisation = text_field(
        "Recipient's organisation",
        max_length=200,
        required_message="Enter the recipient's organisation.",
    )
    reason = forms.ChoiceField(
        label="Reason for the disclosure",
        choices=Disclosure.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the reason for the disclosure.",
            "invalid_choice": "Choose the reason for the disclosure.",
        },
    )
    legal_gateway = forms.ChoiceField(
        label="Legal gateway",
        choices=[("", "Choose the legal gateway"), *Disclosure.Gateway.choices],
        error_messages={
            "required": "Choose the legal gateway for the disclosure.",
            "invalid_choice": "Choose the legal gateway for the disclosure.",
        },
    )
    justification = text_field(
        "Justification",
        max_length=5000,
        rows=4,
        help_text="Why the disclosure was necessary and proportionate.",
        required_message="Enter the justification for the disclosure.",
    )
    authorised_by = text_field(
        "Authorised by",
        max_length=200,
        help_text="The name and role of the person who authorised it.",
        required_message="Enter who authorised the disclosure.",
    )

    def __init__(self, *args, recorder, **kwargs):
        super().__init__(*args, **kwargs)
        self.recorder = recorder
        self.incident = None

    def clean_disclosed_on(self):
        value = self.cleaned_data["disclosed_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date disclosed must be today or in the past.")
        return value

    def clean_incident_urn(self):
        urn = "".join(self.cleaned_data["incident_urn"].split()).upper()
        if not urn:
            return ""
        # The policy's scope for viewing, without writing a view event: looking a reference
        # up to link it is not reading the record.
        self.incident = Incident.objects.for_user(self.recorder).filter(urn=urn).first()
        if self.incident is None:
            raise forms.ValidationError("Enter the reference of an incident you can see.")
        return urn

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in self.fields if name != "incident_urn"}


# --- Breaches (A6) ----------------------------------------------------------------------------


class BreachForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Organisation concerned",
        queryset=None,
        help_text="The partner whose staff or systems the breach concerns.",
        empty_label="Choose an organisation",
        error_messages={
            "required": "Choose the organisation the breach concerns.",
            "invalid_choice": "Choose the organisation the breach concerns.",
        },
    )
    category = forms.ChoiceField(
        label="Kind of breach",
        choices=Breach.Category.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the kind of breach.",
            "invalid_choice": "Choose the kind of breach.",
        },
    )
    occurred_on = date_field("Date it happened (optional)", help_text="If known.")
    discovered_on = date_field(
        "Date it was discovered",
        required=True,
        required_message="Enter the date the breach was discovered.",
    )
    description = text_field(
        "What happened", max_length=10000, rows=5, required_message="Enter what happened."
    )
    records_affected = text_field(
        "Records affected (optional)",
        max_length=5000,
        rows=3,
        required=False,
        help_text="Incident references or a description of the data concerned.",
    )
    reported_to = text_field(
        "Reported to (optional)",
        max_length=5000,
        rows=3,
        required=False,
        help_text="For example: the providing partner, the police information security "
        "officer, the chair of the control group.",
    )
    commissioner_notified_on = date_field(
        "Date the Information Commissioner was notified (optional)"
    )

    def __init__(self, *args, recorder, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = policy.manageable_organisations(recorder).order_by("name")
        self.fields["organisation"].queryset = organisations
        # An administrator of one organisation records breaches concerning it alone.
        self.single_organisation = not recorder.manages_all_organisations
        if self.single_organisation:
            self.fields["organisation"].required = False
            self.fields["organisation"].widget = forms.HiddenInput()
        self.recorder = recorder

    def clean(self):
        cleaned = super().clean()
        if self.single_organisation:
            cleaned["organisation"] = self.recorder.organisation
        problems: dict[str, list[str]] = {}
        registers.check_breach(problems, cleaned)
        for name, messages in problems.items():
            if name not in self.errors:
                for message in messages:
                    self.add_error(name, message)
        return cleaned

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in self.fields if name != "organisation"}


class BreachInvestigationForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput())
    status = forms.ChoiceField(
        label="Status",
        choices=Breach.Status.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the status of the breach.",
            "invalid_choice": "Choose the status of the breach.",
        },
    )
    investigation = text_field(
        "Investigation (optional)",
        max_length=20000,
        rows=6,
        required=False,
        help_text="What has been done to find out what happened, by whom and when.",
    )
    outcome = text_field(
        "Outcome",
        max_length=10000,
        rows=4,
        required=False,
        help_text="Needed to close the breach: what was found and what has been done.",
    )
    commissioner_notified_on = date_field(
        "Date the Information Commissioner was notified (optional)"
    )
    closed_on = date_field(
        "Date closed (optional)", help_text="Only for a closed breach; today if left blank."
    )

    @staticmethod
    def initial_for(breach) -> dict:
        return {
            "version": breach.version,
            "status": breach.status,
            "investigation": breach.investigation,
            "outcome": breach.outcome,
            "commissioner_notified_on": breach.commissioner_notified_on,
            "closed_on": breach.closed_on,
        }

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in self.fields if name != "version"}
