"""Forms for the working sheet (SPEC W1). The services validate the rules; these forms turn
what was typed into values and keep it on the page when something is wrong."""

from django import forms
from django.utils import timezone

from common.forms import GovukDateTimeField

from .forms import WHEN_HINT, when_field
from .models import WorkingSheetEntry

Kind = WorkingSheetEntry.Kind


def _when_field(**kwargs) -> GovukDateTimeField:
    return when_field(
        "When did it happen?",
        "When it happened",
        required_message="Enter when it happened.",
        **kwargs,
    )


class InvolvementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        who = obj.person or obj.anonymised_label
        return f"{who} ({obj.get_role_display()})"


class EntryForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of entry",
        choices=[("", "Choose a kind of entry")]
        + [(k.value, k.label) for k in Kind if k != Kind.CORRECTION],
        error_messages={"required": "Choose the kind of entry."},
    )
    text = forms.CharField(
        label="What happened or was decided?",
        help_text="Write in full: who, what, where and why. Entries cannot be changed later, "
        "only corrected by a new entry.",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        error_messages={
            "required": "Enter what happened or was decided.",
            "max_length": "The entry must be 20,000 characters or fewer.",
        },
    )
    occurred_at = _when_field(help_text=f"{WHEN_HINT} It cannot be in the future.")
    referral_to = forms.ChoiceField(
        label="Referred to (referrals only)",
        help_text="Referrals to Victim Support and for hate incident monitoring need the "
        "person's consent, recorded first.",
        choices=[("", "Not a referral"), *WorkingSheetEntry.ReferralTo.choices],
        required=False,
    )
    involvement = InvolvementChoiceField(
        label="Person referred (referrals only)",
        queryset=None,
        required=False,
        empty_label="Not a referral",
    )

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["involvement"].queryset = incident.involvements.select_related(
            "person"
        ).order_by("role", "id")
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0))


class CorrectionForm(forms.Form):
    text = forms.CharField(
        label="The corrected entry",
        help_text="Say what was wrong and what is right. The original stays on the working "
        "sheet, marked as corrected.",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        error_messages={
            "required": "Enter the correction.",
            "max_length": "The correction must be 20,000 characters or fewer.",
        },
    )
    occurred_at = _when_field(
        help_text=f"When the corrected event happened. {WHEN_HINT} Change it if the original "
        "time was wrong."
    )
