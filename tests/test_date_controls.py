"""Dates are typed one way everywhere (issue #24 item 16): every date or date-and-time field
of every form is the GOV.UK date input (common.forms.GovukDateField and
GovukDateTimeField: day, month and year boxes, with hour and minute for a time), never the
browser's date picker, a DD/MM/YYYY text box or a date-time picker. Checked on every form
class of the project's apps, their sources and every template, so that a new form cannot
bring another pattern back unnoticed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django import forms
from django.conf import settings

from common.forms import GovukDateField
from tests.test_form_controls import APPS, FORMS, SKIPPED

# A hidden timestamp a page hands back to the server (when it was opened) is not a date
# anyone types.
HIDDEN = {("retention.forms", "opened_at")}
PICKER_TAG = re.compile(r"""type=["']?(date|datetime-local|time)\b""", re.IGNORECASE)
PICKER_SOURCE = re.compile(r"""\b(DateInput|DateTimeInput|SplitDateTime\w*)\(|datetime-local""")


def _date_fields(form_class):
    dates = forms.DateField | forms.DateTimeField | forms.MultiValueField
    for name, field in form_class.base_fields.items():
        if isinstance(field, dates) and (form_class.__module__, name) not in HIDDEN:
            yield name, field


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_date_field_is_the_gov_uk_date_input(form_class):
    others = [
        name for name, field in _date_fields(form_class) if not isinstance(field, GovukDateField)
    ]
    assert others == [], "use common.forms.GovukDateField or GovukDateTimeField"


def test_the_walk_finds_the_date_fields():
    found = {(cls.__name__, name) for cls in FORMS for name, _ in _date_fields(cls)}
    assert {
        ("IncidentEditForm", "received_at"),
        ("EntryForm", "occurred_at"),
        ("FirstEntryForm", "occurred_at"),
        ("TaskForm", "due_on"),
        ("PersonDetailsForm", "date_of_birth"),
        ("DraftPersonForm", "date_of_birth"),
        ("ReportForm", "reported_from"),
        ("KeepForm", "review_on"),
        ("SuspendPartnerForm", "ends"),
        ("BreachForm", "discovered_on"),
    } <= found


def test_no_source_or_template_uses_a_date_picker():
    base = Path(settings.BASE_DIR)
    sources = [
        path
        for app in APPS
        for path in (base / app).rglob("*.py")
        if not SKIPPED.search(".".join(path.relative_to(base).parts))
    ]
    offenders = [
        str(path.relative_to(base))
        for path in sources
        if PICKER_SOURCE.search(path.read_text(encoding="utf-8"))
    ]
    offenders += [
        str(path.relative_to(base))
        for path in (base / "templates").rglob("*.html")
        if PICKER_TAG.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
