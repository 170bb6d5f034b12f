from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from access import policy
from access.models import Area
from common.forms import GovukDateTimeField

from .models import AggravatingFactor, CaseRules, Incident, PenCode, QualifierCode
from .services.incident import normalise_postcode, validate_details
from .services.reference import CASE_RULES_FIELDS, case_rules_problems

# The hint of every date-and-time question: GOV.UK's date input, then the 24-hour clock.
WHEN_HINT = "For example, 27 3 2026 and 14 30 (24-hour clock)."


def when_field(label: str, name: str, **kwargs) -> GovukDateTimeField:
    """A date and time in the GOV.UK date input (common.forms.GovukDateTimeField); `name`
    is how its messages speak of it ("When it first happened must include a month")."""
    kwargs.setdefault("help_text", WHEN_HINT)
    return GovukDateTimeField(label=label, name=name, **kwargs)


class LeafAreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return obj.name


def _marking_choices():
    # The words this partnership prints for each marking (docs/decisions/0004).
    labels = settings.MARKING_LABELS[settings.MARKING_SCHEME]
    return [(value, labels[value]) for value in Incident.Marking]


class InitialContactForm(forms.ModelForm):
    """C2: how and when the report came in, and what is known of the complainant."""

    received_at = when_field(
        "When it was reported",
        "When it was reported",
        required=False,
        help_text=f"{WHEN_HINT} Leave it blank if it is being reported now.",
    )

    class Meta:
        model = Incident
        fields = [
            "received_via",
            "received_at",
            "complainant_anonymous",
            "complainant_disabled",
            "repeat_victim",
            "vulnerable_other",
        ]
        widgets = {"received_via": forms.RadioSelect}
        labels = {"complainant_anonymous": "The complainant wants to stay anonymous"}
        error_messages = {}


class IncidentDetailsForm(forms.ModelForm):
    """C3-C5 and C7: what happened, where, how it is classified and marked.

    The checks that span fields are the services' own (`validate_details`), run here too so
    that every message shows at once."""

    # Room for untidy input ("le19  2ab "); the service normalises and checks the shape.
    postcode = forms.CharField(max_length=20, required=False)

    first_occurred_at = when_field(
        "When did it first happen?", "When it first happened", required=False
    )
    last_occurred_at = when_field(
        "When did it last happen?", "When it last happened", required=False
    )

    area = LeafAreaChoiceField(
        label="Where did it happen?",
        help_text="The district, city or unitary area.",
        queryset=Area.objects.none(),
        empty_label="Choose an area",
        error_messages={"required": "Choose the area where it happened."},
    )

    class Meta:
        model = Incident
        fields = [
            "description",
            "first_occurred_at",
            "last_occurred_at",
            "address",
            "postcode",
            "uprn",
            "latitude",
            "longitude",
            "area",
            "category",
            "pen_code",
            "qualifier_codes",
            "aggravating_factors",
            "crime_reference",
            "is_anonymised",
            "anonymisation_reason",
            "marking",
        ]
        labels = {
            "description": "What happened?",
            "crime_reference": "Police crime reference (if recorded as a crime)",
            "is_anonymised": "Record people anonymised: the complainant objects to sharing",
        }
        help_texts = {
            "description": "Describe the behaviour, who was affected and how. Do not abbreviate.",
            "uprn": "Unique Property Reference Number, if known.",
            "latitude": "Where known, in decimal degrees, for example 52.6369. Used for the "
            "hotspot map.",
            "longitude": "For example -1.1398.",
            "marking": "Confidential records are seen only by your organisation and explicit "
            "shares.",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "category": forms.RadioSelect,
            "marking": forms.RadioSelect,
            "qualifier_codes": forms.CheckboxSelectMultiple,
            "aggravating_factors": forms.CheckboxSelectMultiple,
            "anonymisation_reason": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "description": {"required": "Enter what happened."},
            "marking": {"required": "Choose a protective marking."},
        }

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        # Incidents belong to exactly one leaf area (T2) of the recorder's partnership (T6).
        fields["area"].queryset = policy.recording_areas(viewer)
        fields["marking"].choices = _marking_choices()
        if "category" in fields:
            fields["category"].choices = Incident.Category.choices
        if "pen_code" in fields:
            fields["pen_code"].queryset = PenCode.objects.filter(active=True)
            fields["pen_code"].empty_label = "Choose a PEN code"
        if "qualifier_codes" in fields:
            fields["qualifier_codes"].queryset = QualifierCode.objects.filter(active=True)
        if "aggravating_factors" in fields:
            fields["aggravating_factors"].queryset = AggravatingFactor.objects.filter(active=True)

    def clean_postcode(self):
        try:
            return normalise_postcode(self.cleaned_data.get("postcode") or "")
        except ValidationError as error:
            raise ValidationError(error.message_dict["postcode"]) from None

    def clean(self):
        data = super().clean()
        try:
            validate_details(data)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    if field in self.fields and field not in self.errors:
                        self.add_error(field, message)
        return data


class IncidentEditForm(InitialContactForm, IncidentDetailsForm):
    """The whole editable record, with the version it was opened at (§16)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta(IncidentDetailsForm.Meta):
        fields = InitialContactForm.Meta.fields + IncidentDetailsForm.Meta.fields
        widgets = {**InitialContactForm.Meta.widgets, **IncidentDetailsForm.Meta.widgets}
        labels = {**InitialContactForm.Meta.labels, **IncidentDetailsForm.Meta.labels}
        error_messages = {
            **InitialContactForm.Meta.error_messages,
            **IncidentDetailsForm.Meta.error_messages,
        }


class CaseRulesForm(forms.ModelForm):
    """The partnership's thresholds and intervals (R1, R3, S4a). Cross-field rules are
    reported on the field to change, before the database constraints are asked."""

    class Meta:
        model = CaseRules
        fields = CASE_RULES_FIELDS

    def clean(self):
        cleaned = super().clean()
        for field, problem in case_rules_problems(cleaned).items():
            self.add_error(field, problem)
        return cleaned
