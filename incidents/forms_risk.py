"""The victim risk assessment form (SPEC R1): one yes/no question per active RiskQuestion,
named `question_<id>`. Unanswered questions are reported by the service, so the form and
the API give the same per-question messages."""

from django import forms

from .services.risk import NOTES_MAX, question_field

YES_NO = [("yes", "Yes"), ("no", "No")]


class InvolvementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        who = obj.person or obj.anonymised_label
        return f"{who} ({obj.get_role_display().lower()})"


class RiskAssessmentForm(forms.Form):
    def __init__(self, *args, questions, involvements, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.fields["involvement"] = InvolvementChoiceField(
            label="Who is being assessed? (optional)",
            help_text="The victim or complainant this assessment is about.",
            queryset=involvements,
            required=False,
            empty_label="Not about one person",
            error_messages={
                "invalid_choice": "Select a victim or complainant of this incident.",
            },
        )
        for question in self.questions:
            self.fields[question_field(question)] = forms.ChoiceField(
                label=question.text,
                help_text=question.help_text,
                choices=YES_NO,
                widget=forms.RadioSelect,
                # Required, but checked by the service (see the module's docstring).
                required=False,
            )
        self.fields["notes"] = forms.CharField(
            label="Notes (optional)",
            help_text="Anything else that affects the risk to the victim.",
            required=False,
            max_length=NOTES_MAX,
            widget=forms.Textarea(attrs={"rows": 4}),
            error_messages={"max_length": f"Notes must be {NOTES_MAX:,} characters or fewer."},
        )

    def answers(self) -> dict[int, bool]:
        """The answers given, by question id (unanswered questions are left out)."""
        given = {}
        for question in self.questions:
            value = self.cleaned_data.get(question_field(question))
            if value in ("yes", "no"):
                given[question.pk] = value == "yes"
        return given
