"""Forms for the sections of the complaint task list that are not the incident itself."""

from django import forms
from django.utils import timezone

from access.models import User, UserGroup
from common.forms import GovukDateField
from incidents.forms import when_field
from incidents.forms_risk import RiskAssessmentForm
from incidents.models import RiskQuestion, WorkingSheetEntry
from incidents.services.risk import question_field
from people.models import Involvement, Person


class DraftPersonForm(forms.Form):
    """Who was involved: enough to look for them among people already recorded (P2)."""

    role = forms.ChoiceField(
        label="Their part in the incident",
        choices=Involvement.Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose their part in the incident."},
    )
    given_name = forms.CharField(
        label="First name", max_length=100, error_messages={"required": "Enter a first name."}
    )
    family_name = forms.CharField(
        label="Last name", max_length=100, error_messages={"required": "Enter a last name."}
    )
    date_of_birth = GovukDateField(
        label="Date of birth", required=False, help_text="If known. For example, 27 3 1987."
    )
    gender = forms.ChoiceField(
        choices=Person.Gender.choices, initial=Person.Gender.NOT_KNOWN, widget=forms.RadioSelect
    )
    address = forms.CharField(max_length=300, required=False)
    postcode = forms.CharField(max_length=20, required=False)
    risk_notes = forms.CharField(
        label="Risk from their circumstances and protected characteristics",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    support_needs = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_date_of_birth(self):
        value = self.cleaned_data.get("date_of_birth")
        if value and value > timezone.localdate():
            raise forms.ValidationError("Date of birth must be in the past.")
        return value


class AnonymisedPersonForm(forms.Form):
    """C5: on an anonymised record a person is a label only, e.g. "Victim A"."""

    role = forms.ChoiceField(
        label="Their part in the incident",
        choices=Involvement.Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose their part in the incident."},
    )
    anonymised_label = forms.CharField(
        label="Label",
        max_length=100,
        help_text='No names or details: for example "Victim A" or "Neighbour at number 4".',
        error_messages={"required": "Enter a label."},
    )


class FirstEntryForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of entry",
        choices=[
            (WorkingSheetEntry.Kind.NOTE, "Note"),
            (WorkingSheetEntry.Kind.VICTIM_CONTACT, "Victim contact"),
            (WorkingSheetEntry.Kind.VISIT, "Visit"),
        ],
        initial=WorkingSheetEntry.Kind.NOTE,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label="Entry",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter the working-sheet entry."},
    )
    occurred_at = when_field(
        "When it happened", "When it happened", required_message="Enter when it happened."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:  # a new entry is about now, to the minute
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0))

    def clean_occurred_at(self):
        value = self.cleaned_data["occurred_at"]
        if value > timezone.now() + timezone.timedelta(minutes=5):
            raise forms.ValidationError("When it happened must be in the past.")
        return value


class AlertColleagueForm(forms.Form):
    recipient = forms.ModelChoiceField(
        label="Who should look at it?",
        queryset=User.objects.none(),
        empty_label="Choose a colleague",
        error_messages={"required": "Choose who to alert."},
    )
    message = forms.CharField(
        required=False,
        max_length=500,
        help_text="Do not include names or personal details: the alert is also e-mailed.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        # Colleagues in the caseworking groups of the user's own organisation, who see what
        # their organisation leads.
        self.fields["recipient"].queryset = (
            User.objects.filter(organisation_id=user.organisation_id, is_active=True)
            .exclude(group__in=[UserGroup.BASIC, UserGroup.ANALYST])
            .exclude(pk=user.pk)
            .order_by("first_name", "last_name")
        )


class RiskAnswersForm(RiskAssessmentForm):
    """The risk questionnaire inside a complaint draft: the same questions, each required
    here, because nothing is checked by a service until the draft is submitted."""

    def __init__(self, *args, **kwargs):
        super().__init__(
            *args,
            questions=RiskQuestion.objects.filter(active=True),
            involvements=Involvement.objects.none(),
            **kwargs,
        )
        del self.fields["involvement"]  # the people are not recorded yet
        for question in self.questions:
            field = self.fields[question_field(question)]
            field.required = True
            field.error_messages["required"] = "Answer yes or no."
