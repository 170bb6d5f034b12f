"""Form widgets shared by the apps' forms."""

from django import forms


class NativeDateInput(forms.DateInput):
    """The browser's own date picker, styled as a GOV.UK input, reading and writing ISO
    dates."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(
            attrs={"class": "govuk-input govuk-input--width-10", **(attrs or {})},
            format="%Y-%m-%d",
        )
