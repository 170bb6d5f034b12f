"""Forms of the subject-access pages (SPEC D4). Finding the person reuses the people search
form (people.forms.PersonSearchForm): the same fields, messages and postcode rules."""

from django import forms

from people.forms import PersonSearchForm

from .subject_access import FORMATS

__all__ = ["PersonSearchForm", "SubjectAccessExportForm"]


class SubjectAccessExportForm(forms.Form):
    reference = forms.CharField(
        label="Request reference",
        help_text="The reference of the subject access request, for example SAR-2026-0042. "
        "It is recorded with the export.",
        max_length=100,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "autocomplete": "off"}),
        error_messages={
            "required": "Enter the reference of the subject access request",
            "max_length": "Request reference must be 100 characters or fewer",
        },
    )
    file_format = forms.ChoiceField(
        label="Format",
        choices=[
            ("pdf", f"{FORMATS['pdf']}, to read, review and send"),
            ("json", f"{FORMATS['json']}, machine-readable"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the format of the export"},
    )

    def clean_reference(self):
        return " ".join(self.cleaned_data["reference"].split())
