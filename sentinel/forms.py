"""GOV.UK Design System markup for Django forms.

Django renders every field through `templates/components/forms/field.html`, which lays out
the GOV.UK form group (label or legend, hint, error message, control), and every form
through `form.html`. `GovukFormMixin` puts the GOV.UK classes and ARIA links on widgets.
"""

from django import forms
from django.forms.renderers import TemplatesSetting

_CONTROL_CLASSES = {
    "text": "govuk-input",
    "email": "govuk-input",
    "password": "govuk-input",
    "number": "govuk-input",
    "date": "govuk-input",
    "textarea": "govuk-textarea",
    "select": "govuk-select",
}


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "components/forms/form.html"
    field_template_name = "components/forms/field.html"


class GovukFormMixin:
    """Add GOV.UK classes, error states and aria-describedby to every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            base = _CONTROL_CLASSES.get(getattr(widget, "input_type", None) or "")
            if isinstance(widget, forms.Textarea):
                base = "govuk-textarea"
            elif isinstance(widget, forms.Select) and not isinstance(widget, forms.RadioSelect):
                base = "govuk-select"
            if base:
                classes = [base, widget.attrs.get("class", "")]
                if self.is_bound and name in self.errors:
                    classes.append(f"{base}--error")
                widget.attrs["class"] = " ".join(c for c in classes if c)
            described_by = []
            if field.help_text:
                described_by.append(f"id_{name}-hint")
            if self.is_bound and name in self.errors:
                described_by.append(f"id_{name}-error")
            if described_by:
                widget.attrs["aria-describedby"] = " ".join(described_by)
