"""Forms of the retention pages (SPEC D1-D3). The services (retention/services.py) hold the
rules; these forms give each problem a GOV.UK message on its own field and keep what was
typed."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone

from common.forms import GovukDateField

from .models import DeletionFlag

INACTIVE_DAYS_MIN, INACTIVE_DAYS_MAX = 1, 3650


def _reason_field(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Give the reason: it is kept with the case.",
            "max_length": "The reason must be 2,000 characters or fewer.",
        },
    )


# --- The review queue (D2) ---------------------------------------------------------------------


class OpenedAtField(forms.DateTimeField):
    """When the administrator opened the decision page (hidden): the services refuse to act
    on a case that changed after it."""

    widget = forms.HiddenInput

    def __init__(self):
        super().__init__(
            error_messages={
                "required": "Open the case again before deciding.",
                "invalid": "Open the case again before deciding.",
            }
        )

    def clean(self, value):
        opened_at = super().clean(value)
        if opened_at > timezone.now():
            raise forms.ValidationError("Open the case again before deciding.")
        return opened_at


class DecisionForm(forms.Form):
    opened_at = OpenedAtField()

    def __init__(self, *args, opened_at: datetime.datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if opened_at is not None:
            self.initial["opened_at"] = opened_at.isoformat()

    def reopened(self, opened_at: datetime.datetime) -> DecisionForm:
        """The same form, what was typed kept, as if opened at `opened_at` (after a change
        the administrator has not seen)."""
        data = self.data.copy()
        data[self.add_prefix("opened_at")] = opened_at.isoformat()
        return type(self)(data, prefix=self.prefix)


class KeepForm(DecisionForm):
    reason = _reason_field(
        "Why should the case be kept?",
        help_text="For example, a related prosecution or an open complaint. It is kept with "
        "the case.",
    )
    review_on = GovukDateField(
        label="Next review date",
        required_message="Enter the date the case should be reviewed again.",
        help_text="The case comes back to this queue on this date. For example, 27 3 2031.",
    )

    def clean_review_on(self):
        review_on = self.cleaned_data["review_on"]
        if review_on is not None and review_on <= timezone.localdate():
            raise forms.ValidationError("The next review date must be in the future.")
        return review_on


class DeleteForm(DecisionForm):
    confirm = forms.BooleanField(
        label="I understand this erases the case and its people with no trace",
        error_messages={
            "required": "Confirm that you understand the case will be erased with no trace."
        },
    )

    def reopened(self, opened_at: datetime.datetime) -> DeleteForm:
        # Something changed: the administrator must confirm again, knowing it.
        return type(self)(prefix=self.prefix, opened_at=opened_at)


# --- An incident's retention settings (D1) -----------------------------------------------------


class DeletionFlagForm(forms.Form):
    flag = forms.ChoiceField(
        label="When the case falls due",
        choices=DeletionFlag.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose automatic deletion or review before deletion."},
    )
    reason = _reason_field("Reason for the change")


class LegalHoldForm(forms.Form):
    hold = forms.TypedChoiceField(
        label="Legal hold",
        choices=[("place", "Place a legal hold"), ("lift", "Lift the legal hold")],
        coerce=lambda value: value == "place",
        widget=forms.RadioSelect,
        help_text="A case on legal hold is never deleted, whatever its retention rule, until "
        "the hold is lifted: for litigation, an inquiry or a complaint.",
        error_messages={"required": "Choose whether to place or lift the legal hold."},
    )
    reason = _reason_field("Reason")


# --- The inactive-records report (D3) ----------------------------------------------------------


class InactiveForm(forms.Form):
    days = forms.IntegerField(
        label="No activity for at least (days)",
        min_value=INACTIVE_DAYS_MIN,
        max_value=INACTIVE_DAYS_MAX,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
        error_messages={
            "required": "Enter the number of days without activity.",
            "invalid": "The number of days must be a whole number, like 90.",
            "min_value": f"The number of days must be {INACTIVE_DAYS_MIN} or more.",
            "max_value": f"The number of days must be {INACTIVE_DAYS_MAX:,} or fewer.",
        },
    )

    @staticmethod
    def default_days() -> int:
        return settings.INACTIVE_AFTER_DAYS

    @classmethod
    def from_data(cls, data) -> InactiveForm:
        """Bound to `data`'s days, or to the deployment's default when none is given."""
        days = data.get("days")
        return cls({"days": cls.default_days() if days is None else days})
