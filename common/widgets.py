"""Form widgets shared by the apps' forms: the GOV.UK date input.

A date is typed as three boxes, day, month and year (the GOV.UK Design System's "date
input"); a date and time adds hour and minute boxes on a second row of the same fieldset.
The boxes are named `<name>_day`, `<name>_month`, `<name>_year` (and `<name>_hour`,
`<name>_minute`), so that what was typed travels, and comes back on an error or from a
draft, exactly as typed. The fields that read them are in `common.forms`
(`GovukDateField`, `GovukDateTimeField`); the page lays them out in
`templates/components/forms/field.html` (a fieldset) and `widgets/date_input.html`.

A whole date in one value (`2026-03-27`, `2026-03-27T14:30`) is still read when none of the
boxes is sent: it is what the API sends to the forms it shares with the pages (ISO dates),
and what drafts saved before the boxes hold.
"""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

DATE_PARTS = ("day", "month", "year")
TIME_PARTS = ("hour", "minute")
_LABELS = {"day": "Day", "month": "Month", "year": "Year", "hour": "Hour", "minute": "Minute"}
_WIDTHS = {"day": 2, "month": 2, "year": 4, "hour": 2, "minute": 2}

# A whole date, or date and time, in one value: ISO first (the API), then the shapes the
# single-box inputs took before.
ONE_VALUE_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d %m %Y", "%d-%m-%Y")
ONE_VALUE_DATETIME_FORMATS = (
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y %H:%M",
)


def parse_one_value(text: str, *, with_time: bool):
    """A date (or a naive date and time) from one typed value, or None if it is not one.
    A date-and-time value may carry a UTC offset (`2026-03-27T14:30:00+00:00`)."""
    text = (text or "").strip()
    if with_time:
        try:
            return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
    for shape in ONE_VALUE_DATETIME_FORMATS if with_time else ONE_VALUE_DATE_FORMATS:
        try:
            moment = datetime.datetime.strptime(text, shape)
        except ValueError:
            continue
        return moment if with_time else moment.date()
    return None


def date_parts(value, *, with_time: bool) -> list[str]:
    """The boxes' text for a date or datetime (an aware one in local time): day and month
    without a leading zero, as GOV.UK's examples write them (27 3 2026), hour and minute
    with one (09 05)."""
    if isinstance(value, str):
        value = parse_one_value(value, with_time=with_time) or value
        if isinstance(value, str):  # not a date: the text stays, in the first box
            return [value] + [""] * (len(DATE_PARTS) + (len(TIME_PARTS) if with_time else 0) - 1)
    if value is None:
        return [""] * (len(DATE_PARTS) + (len(TIME_PARTS) if with_time else 0))
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    parts = [str(value.day), str(value.month), str(value.year)]
    if with_time:
        timed = isinstance(value, datetime.datetime)
        hour, minute = (value.hour, value.minute) if timed else (0, 0)
        parts += [f"{hour:02d}", f"{minute:02d}"]
    return parts


class DateParts(forms.MultiWidget):
    """A date as its parts, one input each, named <name>_<part>; or as one value (module
    docstring)."""

    parts = DATE_PARTS
    with_time = False
    box = forms.TextInput

    def __init__(self, attrs=None):
        super().__init__(dict.fromkeys(self.parts, self.box), attrs)

    def decompress(self, value):
        return date_parts(value, with_time=self.with_time)

    def _sent(self, data, name) -> bool:
        return any(f"{name}_{part}" in data for part in self.parts)

    def value_from_datadict(self, data, files, name):
        if not self._sent(data, name) and name in data:
            return data.get(name)  # a whole date in one value (module docstring)
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return not self._sent(data, name) and name not in data

    def id_for_label(self, id_, part: str = "day"):
        return f"{id_}_{part}" if id_ else ""


class DatePartsHiddenInput(DateParts):
    """The parts as hidden inputs: what was typed, carried to the next step of a form."""

    box = forms.HiddenInput


class DateTimePartsHiddenInput(DatePartsHiddenInput):
    parts = DATE_PARTS + TIME_PARTS
    with_time = True


class GovukDateInput(DateParts):
    """Day, month and year boxes (the GOV.UK date input). The field's label is the
    fieldset's legend; the error summary links to the first box in error."""

    template_name = "components/forms/widgets/date_input.html"
    use_fieldset = True

    def get_context(self, name, value, attrs):
        attrs = dict(attrs or {})
        # Which boxes show the error state (GovukBoundField): all of them when the whole
        # date is wrong, only the missing or wrong one when that is all.
        error_parts = set(attrs.pop("error_parts", ()))
        for attribute in ("class", "aria-invalid"):  # set box by box below
            attrs.pop(attribute, None)
        attrs.pop("required", None)  # the page checks; the browser's bubbles would not be GOV.UK
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["id"] = widget["attrs"].get("id", "")
        for part, box in zip(self.parts, widget["subwidgets"], strict=True):
            classes = [
                "govuk-input",
                "govuk-date-input__input",
                f"govuk-input--width-{_WIDTHS[part]}",
            ]
            if part in error_parts:
                classes.append("govuk-input--error")
                box["attrs"]["aria-invalid"] = "true"
            box["attrs"].update(
                {
                    "id": self.id_for_label(widget["id"], part),
                    "class": " ".join(classes),
                    "inputmode": "numeric",
                }
            )
            box["part"] = part
            box["label"] = _LABELS[part]
        widget["date_boxes"] = widget["subwidgets"][: len(DATE_PARTS)]
        widget["time_boxes"] = widget["subwidgets"][len(DATE_PARTS) :]
        return context


class GovukDateTimeInput(GovukDateInput):
    """The date input with hour and minute boxes (24-hour clock) on the row below."""

    parts = DATE_PARTS + TIME_PARTS
    with_time = True
