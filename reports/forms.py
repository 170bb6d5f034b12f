"""Forms of the search pages and the ad-hoc reporting module (SPEC S1, S2, S4, S5)."""

from __future__ import annotations

import datetime

from django import forms
from django.http import QueryDict
from django.utils import dateformat, timezone

from access import policy
from access.models import Area, Organisation
from common.forms import GovukDateField
from common.widgets import DATE_PARTS
from incidents.models import AggravatingFactor, Incident
from people.models import InterventionType, Involvement

from .queries import DIMENSIONS, SUBJECTS, ReportDefinition

PURPOSE_REMINDER = (
    "Ad-hoc reporting shows records from every partner in the county. Use it only for a "
    "specific, lawful purpose of the partnership: identifying vulnerable or repeat victims, "
    "repeat perpetrators or locations, hotspot and pattern analysis, and monitoring use of "
    "the system. Do not use it to look up people out of curiosity or for a purpose your "
    "organisation has not agreed. Every report is recorded with the purpose you give."
)


class PurposeForm(forms.Form):
    purpose = forms.CharField(
        label="Why are you running reports today?",
        help_text="For example: monthly hotspot analysis for the Charnwood tasking meeting.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        error_messages={
            "required": "Enter the purpose of your reports.",
            "max_length": "The purpose must be 500 characters or fewer.",
        },
    )

    def clean_purpose(self):
        purpose = " ".join(self.cleaned_data["purpose"].split())
        if len(purpose) < 10:
            raise forms.ValidationError(
                "Describe the purpose in a few words (at least 10 characters)."
            )
        return purpose


class SearchForm(forms.Form):
    """Basic search (S1): one box; what it finds depends on `kind`."""

    KINDS = [
        ("incidents", "Incidents (reference, crime reference or words in the description)"),
        ("people", "People (name, date of birth, postcode)"),
        ("locations", "Locations (postcode, UPRN or address)"),
    ]
    kind = forms.ChoiceField(
        label="What are you looking for?",
        choices=KINDS,
        initial="incidents",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what you are looking for."},
    )
    text = forms.CharField(
        label="Search for",
        max_length=200,
        required=False,
        error_messages={"max_length": "Search terms must be 200 characters or fewer."},
    )


def _date_field(label: str, name: str) -> GovukDateField:
    return GovukDateField(
        label=label, name=name, required=False, help_text="For example, 27 3 2026."
    )


def _pop(data: QueryDict, name: str) -> None:
    """Take a filter out of posted data: its value, or a date's day, month and year."""
    for key in (name, *(f"{name}_{part}" for part in DATE_PARTS)):
        data.pop(key, None)


class _Codes(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


# The report's filters, in the order of the filter panel and of its selected-filter tags.
# Everything else the form holds (what to list, what to count by) is not a filter: clearing
# the filters keeps it.
FILTERS = (
    "text",
    "reported_from",
    "reported_to",
    "areas",
    "organisations",
    "categories",
    "aggravating_factors",
    "risk_levels",
    "statuses",
    "roles",
    "intervention_types",
)
REMOVE_FILTER = "remove_filter"
CLEAR_FILTERS = "clear_filters"


class ReportForm(forms.Form):
    """The ad-hoc report's filters (S2). Every field is optional: no filters is the whole
    county."""

    subject = forms.ChoiceField(
        label="List",
        choices=list(SUBJECTS.items()),
        initial="incidents",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what to list."},
    )
    reported_from = _date_field("Reported from", "The start date")
    reported_to = _date_field("Reported to", "The end date")
    areas = forms.ModelMultipleChoiceField(
        label="Areas",
        queryset=Area.objects.none(),
        required=False,
        help_text="An area includes the areas inside it.",
        widget=forms.CheckboxSelectMultiple,
    )
    categories = _Codes(label="Categories", choices=Incident.Category.choices, required=False)
    aggravating_factors = _Codes(label="Aggravating factors", choices=[], required=False)
    risk_levels = _Codes(label="Risk", choices=Incident.RiskLevel.choices, required=False)
    statuses = _Codes(label="Status", choices=Incident.Status.choices, required=False)
    roles = _Codes(label="Role of the person", choices=Involvement.Role.choices, required=False)
    intervention_types = forms.ModelMultipleChoiceField(
        label="Intervention",
        queryset=InterventionType.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    organisations = forms.ModelMultipleChoiceField(
        label="Lead organisation",
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    text = forms.CharField(
        label="Words in the description or address, or a reference",
        required=False,
        max_length=200,
        error_messages={"max_length": "The words must be 200 characters or fewer."},
    )
    group_rows = forms.ChoiceField(
        label="Count by",
        required=False,
        choices=[("", "No summary")] + [(k, v[0]) for k, v in DIMENSIONS.items()],
    )
    group_columns = forms.ChoiceField(
        label="and by",
        required=False,
        choices=[("", "Nothing else")] + [(k, v[0]) for k, v in DIMENSIONS.items()],
    )

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        # The areas and organisations of the viewer's own partnership only (T6).
        organisation = viewer.organisation
        self.fields["areas"].queryset = policy.partnership_areas(organisation).order_by("path")
        self.fields["aggravating_factors"].choices = list(
            AggravatingFactor.objects.filter(active=True).values_list("code", "label")
        )
        self.fields["intervention_types"].queryset = InterventionType.objects.filter(active=True)
        self.fields["organisations"].queryset = policy.partnership_organisations(
            organisation
        ).order_by("name")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("reported_from"), cleaned.get("reported_to")
        if start and end and start > end:
            self.add_error("reported_to", "The end date must be the same as or after the start.")
        if end and end > timezone.localdate() + datetime.timedelta(days=1):
            self.add_error("reported_to", "The end date must be today or in the past.")
        rows, columns = cleaned.get("group_rows"), cleaned.get("group_columns")
        if columns and not rows:
            self.add_error("group_columns", "Choose what to count by first.")
        elif columns and columns == rows:
            self.add_error("group_columns", "Choose something different to count by.")
        return cleaned

    def definition(self) -> ReportDefinition:
        data = self.cleaned_data
        return ReportDefinition(
            subject=data["subject"],
            reported_from=data.get("reported_from"),
            reported_to=data.get("reported_to"),
            areas=[area.pk for area in data.get("areas") or []],
            categories=list(data.get("categories") or []),
            aggravating_factors=list(data.get("aggravating_factors") or []),
            risk_levels=list(data.get("risk_levels") or []),
            statuses=list(data.get("statuses") or []),
            roles=list(data.get("roles") or []),
            intervention_types=[t.pk for t in data.get("intervention_types") or []],
            organisations=[o.pk for o in data.get("organisations") or []],
            text=data.get("text") or "",
            group_rows=data.get("group_rows") or "",
            group_columns=data.get("group_columns") or "",
        )

    def selected_filters(self) -> list[dict]:
        """The filters of a valid form as the MoJ filter's selected tags, one category per
        filter set: [{"heading": "Areas", "items": [{"text": "Blaby", "remove": "areas=7"}]}].
        `remove` is the value of the tag's button: the filter (and for a filter of several
        values, which one) that posting it takes away (`without_filter`)."""
        selected = []
        for name in FILTERS:
            value = self.cleaned_data.get(name)
            if not value:
                continue
            field = self.fields[name]
            if isinstance(field, forms.ModelMultipleChoiceField):
                items = [(str(chosen), f"{name}={chosen.pk}") for chosen in value]
            elif isinstance(field, forms.MultipleChoiceField):
                labels = dict(field.choices)
                items = [(str(labels.get(code, code)), f"{name}={code}") for code in value]
            elif isinstance(value, datetime.date):
                items = [(dateformat.format(value, "j F Y"), name)]
            else:
                items = [(value, name)]
            selected.append(
                {
                    "heading": field.label,
                    "items": [{"text": text, "remove": remove} for text, remove in items],
                }
            )
        return selected

    @staticmethod
    def without_filter(data: QueryDict, remove: str) -> QueryDict:
        """The posted form without one filter value (`areas=7`) or one whole filter
        (`reported_from`), as a selected-filter tag asks; anything else is left alone."""
        name, _, value = remove.partition("=")
        data = data.copy()
        data.pop(REMOVE_FILTER, None)
        if name in FILTERS:
            if value:
                data.setlist(name, [kept for kept in data.getlist(name) if kept != value])
            else:
                _pop(data, name)
        return data

    @staticmethod
    def without_filters(data: QueryDict) -> QueryDict:
        """The posted form with every filter cleared: what to list and count by stay."""
        data = data.copy()
        for name in (*FILTERS, CLEAR_FILTERS):
            _pop(data, name)
        return data

    @classmethod
    def data_from(cls, definition: ReportDefinition) -> dict:
        """Form data (as a browser would post it) for a saved definition."""
        data = definition.as_json()
        return {key: value for key, value in data.items() if value not in (None, "", [])}


class SaveReportForm(forms.Form):
    name = forms.CharField(
        label="Name this report",
        max_length=120,
        error_messages={
            "required": "Enter a name for the report.",
            "max_length": "The name must be 120 characters or fewer.",
        },
    )


class PeriodForm(forms.Form):
    """A period (and optionally an area) for hotspots and statistics (S4, S5)."""

    reported_from = _date_field("From", "The start date")
    reported_to = _date_field("To", "The end date")
    area = forms.ModelChoiceField(
        label="Area", queryset=Area.objects.none(), required=False, empty_label="All areas"
    )

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = policy.partnership_areas(viewer.organisation).order_by(
            "path"
        )
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("reported_from", today - datetime.timedelta(days=90))
            self.initial.setdefault("reported_to", today)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("reported_from"), cleaned.get("reported_to")
        if start and end and start > end:
            self.add_error("reported_to", "The end date must be the same as or after the start.")
        return cleaned
