"""GOV.UK Design System markup for Django forms.

Django renders every field through `templates/components/forms/field.html`, which lays out
the GOV.UK form group (label or legend, hint, error message, control), and every form
through `form.html`. `GovukBoundField` adds the GOV.UK classes, the error state and the ARIA
links when the field is rendered.

The hint and error message ids are `<field auto_id>-hint` and `<field auto_id>-error`
(`id_area-hint`, `id_area-error`); `field.html` prints the same ids.

`add_service_errors` puts a service's ValidationError on a form's fields, and `handle_post` is
the one way a page handles a posted form (service call, errors, message, redirect).

Every date is typed in the GOV.UK date input: `GovukDateField` and `GovukDateTimeField`
(common/widgets.py), with GOV.UK's messages; `GovukBoundField` marks only the boxes a
message is about and links the error summary to the first of them.
"""

import calendar
import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from .widgets import (
    DATE_PARTS,
    TIME_PARTS,
    DatePartsHiddenInput,
    DateTimePartsHiddenInput,
    GovukDateInput,
    GovukDateTimeInput,
    parse_one_value,
)

_CONTROL_CLASSES = {
    "text": "govuk-input",
    "email": "govuk-input",
    "password": "govuk-input",
    "number": "govuk-input",
    "date": "govuk-input",
    "textarea": "govuk-textarea",
    "select": "govuk-select",
    "file": "govuk-file-upload",
}


def _control_class(widget) -> str | None:
    if isinstance(widget, forms.Textarea):
        return "govuk-textarea"
    if isinstance(widget, forms.Select) and not isinstance(widget, forms.RadioSelect):
        return "govuk-select"
    return _CONTROL_CLASSES.get(getattr(widget, "input_type", None) or "")


class GovukBoundField(BoundField):
    """Error class and aria-describedby, worked out when the field is rendered.

    At render time, not in the form's __init__: reading `form.errors` there would validate
    the form before a subclass had finished setting it up (a queryset, say), and would miss
    errors added later with `form.add_error`.
    """

    @property
    def hint_id(self) -> str:
        return f"{self.auto_id}-hint" if self.auto_id else ""

    @property
    def error_id(self) -> str:
        return f"{self.auto_id}-error" if self.auto_id else ""

    @property
    def govuk_describedby(self) -> str:
        ids = []
        if self.help_text and self.hint_id:
            ids.append(self.hint_id)
        if self.errors and self.error_id:
            ids.append(self.error_id)
        return " ".join(ids)

    @property
    def error_parts(self) -> list[str]:
        """The boxes of a date input to show in error: those a date field's own message
        names (a missing month), or every box for any other message (an impossible date, a
        date in the future, a service's message)."""
        widget = self.field.widget
        if not isinstance(widget, GovukDateInput) or not self.errors:
            return []
        named: list[str] = []
        for error in self.errors.as_data():
            params = getattr(error, "params", None)
            parts = params.get("parts") if isinstance(params, dict) else None
            if not parts:
                return list(widget.parts)
            named += [part for part in parts if part not in named]
        return [part for part in widget.parts if part in named]

    @property
    def id_for_label(self):
        # The error summary links to the first box in error (GOV.UK date input).
        parts = self.error_parts
        if parts and self.auto_id:
            return self.field.widget.id_for_label(self.auto_id, parts[0])
        return super().id_for_label

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if isinstance(widget, GovukDateInput):
            attrs["error_parts"] = self.error_parts
        base = _control_class(widget)
        if base:
            classes = (attrs.get("class") or widget.attrs.get("class") or "").split()
            wanted = [base, f"{base}--error"] if self.errors else [base]
            classes += [c for c in wanted if c not in classes]
            attrs["class"] = " ".join(classes)
        # Radios and checkboxes are described on their fieldset, not on every input.
        if not self.use_fieldset and not widget.is_hidden:
            described_by = self.govuk_describedby
            if described_by:
                attrs["aria-describedby"] = described_by
            else:
                attrs.pop("aria-describedby", None)
        return attrs


class GovukFormRenderer(TemplatesSetting):
    """Project templates first, then Django's own widget templates (the django.forms app).

    Every form rendered with it gets GOV.UK markup and GovukBoundField, with no mixin."""

    form_template_name = "components/forms/form.html"
    field_template_name = "components/forms/field.html"
    bound_field_class = GovukBoundField


def add_service_errors(form, error, *, rename: dict | None = None, fallback=None) -> None:
    """Put a service's ValidationError on the form, so that the page shows field-level
    messages and keeps what was typed. A field the form lacks goes to the form's non-field
    errors (the error summary), or to `fallback` (a list) when one is given; `rename` maps
    a service's field name to the form's."""
    rename = rename or {}
    problems = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, field_messages in problems.items():
        field = rename.get(field, field)
        target = field if field in form.fields else None
        for message in field_messages:
            if target is None and fallback is not None:
                fallback.append(message)
            else:
                form.add_error(target, message)


def handle_post(
    request,
    form,
    action: Callable[[dict], Any],
    *,
    success: str | Callable[[Any], str] | None = None,
    unchanged: str | None = None,
    redirect_to: str | Callable[[Any], str],
) -> HttpResponse | None:
    """The one way a page handles a posted form: when the request is a POST and the form is
    valid, call `action(form.cleaned_data)` (the service call); a ValidationError puts its
    messages on the form's fields (what was typed is kept); a PermissionDenied answers 404,
    as a missing record (V5); otherwise flash `success` (a string, or a callable of the
    action's result) and redirect to `redirect_to` (a URL or URL name, or a callable of the
    result that gives one).

    `unchanged`, when given, is flashed (as information, instead of `success`) when the
    action answers False: the service found nothing to do. `form` may be None (a page of
    several forms, none of them posted). Returns None when the page should render the form
    (again)."""
    if form is None or request.method != "POST" or not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    except PermissionDenied:
        raise Http404 from None
    if unchanged is not None and not result:
        messages.info(request, unchanged)
    elif success is not None:
        messages.success(request, success(result) if callable(success) else success)
    return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)


# --- Dates: the GOV.UK date input ---------------------------------------------------------------

# Month names and their abbreviations are accepted in the month box, as GOV.UK advises.
_MONTHS = {
    **{name.lower(): number for number, name in enumerate(calendar.month_name) if name},
    **{name.lower(): number for number, name in enumerate(calendar.month_abbr) if name},
    "sept": 9,
}


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


class GovukDateField(forms.MultiValueField):
    """A date typed as day, month and year (`common.widgets.GovukDateInput`), with the
    GOV.UK Design System's messages. `name` is how the messages speak of the date ("Date of
    birth", "When it happened"; the label by default), `required_message` what a blank
    required date says. A message about some of the boxes (a missing month, a 13th month)
    names them, so that only they show in error (`GovukBoundField.error_parts`); what was
    typed stays in the boxes, whatever is wrong with it."""

    widget = GovukDateInput
    hidden_widget = DatePartsHiddenInput
    with_time = False

    def __init__(self, *, label=None, name: str = "", required_message: str = "", **kwargs):
        self.name = name or str(label or "The date")
        super().__init__(
            fields=tuple(forms.CharField(required=False) for _ in self.widget.parts),
            require_all_fields=False,
            label=label,
            **kwargs,
        )
        self.error_messages["required"] = required_message or f"Enter {self._lower_name}."

    @property
    def _lower_name(self) -> str:
        return self.name[:1].lower() + self.name[1:]

    def _problem(self, message: str, parts) -> ValidationError:
        return ValidationError(f"{self.name} {message}.", code="date", params={"parts": parts})

    # -- Reading what was typed

    def clean(self, value):
        moment = self.to_python(value)
        if moment is None and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        self.run_validators(moment)
        return moment

    def to_python(self, value):
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str):
            return self._from_one_value(value)
        typed = [str(part or "").strip() for part in (value or [])]
        parts = dict(zip(self.widget.parts, typed + [""] * len(self.widget.parts), strict=False))
        if not any(parts.values()):
            return None
        return self._from_parts(parts)

    def _from_one_value(self, text: str):
        if not text.strip():
            return None
        moment = parse_one_value(text, with_time=self.with_time)
        if moment is None:
            raise self._problem(f"must be a real date{' and time' if self.with_time else ''}", [])
        if self.with_time and timezone.is_naive(moment):
            return self._aware(moment)
        return moment

    def _missing(self, parts: dict) -> ValidationError | None:
        missing = [part for part in DATE_PARTS if not parts[part]]
        words = [f"a {_join(missing)}"] if missing else []
        missing_time = [part for part in TIME_PARTS if part in parts and not parts[part]]
        if len(missing_time) == 2:
            words.append("a time")
        elif missing_time:
            words.append("an hour" if missing_time == ["hour"] else "a minute")
        if not words:
            return None
        return self._problem(f"must include {_join(words)}", missing + missing_time)

    def _numbers(self, parts: dict) -> dict[str, int]:
        """Each box as a number (a month may be a name): a message naming the boxes that
        are not."""
        numbers, wrong = {}, []
        for part, text in parts.items():
            if part == "month" and text.lower() in _MONTHS:
                numbers[part] = _MONTHS[text.lower()]
            elif text.isdigit() and text.isascii():
                numbers[part] = int(text)
            else:
                wrong.append(part)
        if wrong:
            what = "time" if set(wrong) <= set(TIME_PARTS) else "date"
            raise self._problem(f"must be a real {what}", wrong)
        if len(parts["year"]) != 4:
            raise self._problem(
                f"must have a year of 4 numbers, like {timezone.localdate().year}", ["year"]
            )
        return numbers

    def _from_parts(self, parts: dict):
        problem = self._missing(parts)
        if problem:
            raise problem
        numbers = self._numbers(parts)
        try:
            day = datetime.date(numbers["year"], numbers["month"], numbers["day"])
        except ValueError:
            wrong = ["month"] if not 1 <= numbers["month"] <= 12 else ["day"]
            raise self._problem("must be a real date", wrong) from None
        if not self.with_time:
            return day
        hour, minute = numbers["hour"], numbers["minute"]
        if hour > 23 or minute > 59:
            wrong = (["hour"] if hour > 23 else []) + (["minute"] if minute > 59 else [])
            raise self._problem("must be a real time, on the 24-hour clock", wrong)
        return self._aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

    def _aware(self, naive: datetime.datetime) -> datetime.datetime:
        """In the local time zone; a time the clocks skip (in March) is not a real time."""
        zone = timezone.get_current_timezone()
        aware = naive.replace(tzinfo=zone)
        if aware.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None) != naive:
            raise self._problem("must be a real time: the clocks went forward then", TIME_PARTS)
        return aware

    # -- Comparing with what the form was opened with

    def has_changed(self, initial, data):
        """Whether the user changed the date, to the precision the boxes show: a time saved
        with seconds is unchanged when the same minute comes back."""
        if self.disabled:
            return False
        try:
            new = self.to_python(data)
        except ValidationError:
            return True
        try:
            old = self.to_python(initial) if initial not in (None, "") else None
        except ValidationError:
            return True
        return self._shown(old) != self._shown(new)

    def _shown(self, value):
        if isinstance(value, datetime.datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.replace(second=0, microsecond=0, tzinfo=None)
        return value


class GovukDateTimeField(GovukDateField):
    """A date and time: the date input with hour and minute boxes (24-hour clock); an aware
    datetime in the local time zone."""

    widget = GovukDateTimeInput
    hidden_widget = DateTimePartsHiddenInput
    with_time = True
