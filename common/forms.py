"""GOV.UK Design System markup for Django forms.

Django renders every field through `templates/components/forms/field.html`, which lays out
the GOV.UK form group (label or legend, hint, error message, control), and every form
through `form.html`. `GovukBoundField` adds the GOV.UK classes, the error state and the ARIA
links when the field is rendered.

The hint and error message ids are `<field auto_id>-hint` and `<field auto_id>-error`
(`id_area-hint`, `id_area-error`); `field.html` prints the same ids.

`add_service_errors` puts a service's ValidationError on a form's fields, and `handle_post` is
the one way a page handles a posted form (service call, errors, message, redirect).
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.http import Http404, HttpResponse
from django.shortcuts import redirect

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

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
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
