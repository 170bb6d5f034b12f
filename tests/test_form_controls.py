"""No Ctrl-click multi-select list anywhere: a field that takes several values is a set of
GOV.UK checkboxes (the GOV.UK Design System advises against `<select multiple>`: few people
know to hold Ctrl or Cmd, one click without it loses every choice made so far, and screen
reader and voice users struggle with it).

Checked three ways, so that a new form cannot bring one back unnoticed: every form class of
the project's apps (its declared fields, a ModelForm's Meta widgets included), the Python
source (a widget swapped in a form's __init__), and every template (a hand-written
`<select multiple>`).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from django import forms
from django.conf import settings

APPS = ("access", "audit", "common", "complaints", "incidents", "people", "reports", "retention")
SKIPPED = re.compile(r"\.(migrations|management|tests)(\.|$)")
MULTI_SELECT_WIDGET = re.compile(r"(?<!Checkbox)SelectMultiple\b")
MULTI_SELECT_TAG = re.compile(r"<select\b[^>]*\bmultiple\b", re.IGNORECASE | re.DOTALL)


def _modules() -> list[str]:
    names = []
    for app in APPS:
        package = importlib.import_module(app)
        names.append(app)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if not SKIPPED.search(info.name):
                names.append(info.name)
    return names


def _form_classes() -> list[type[forms.BaseForm]]:
    for name in _modules():
        importlib.import_module(name)
    found, todo = set(), [forms.BaseForm]
    while todo:
        for subclass in todo.pop().__subclasses__():
            todo.append(subclass)
            if subclass.__module__.split(".")[0] in APPS:
                found.add(subclass)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def _is_multi_select(widget) -> bool:
    return isinstance(widget, forms.SelectMultiple) and not isinstance(
        widget, forms.CheckboxSelectMultiple
    )


FORMS = _form_classes()


def test_the_walk_finds_the_forms():
    names = {cls.__name__ for cls in FORMS}
    assert {"ReportForm", "PeriodForm", "SearchForm"} <= names


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_no_form_field_is_a_multi_select_list(form_class):
    lists = [name for name, f in form_class.base_fields.items() if _is_multi_select(f.widget)]
    assert lists == [], "use forms.CheckboxSelectMultiple (GOV.UK checkboxes)"


def test_no_source_swaps_in_a_multi_select_list():
    base = Path(settings.BASE_DIR)
    offenders = [
        str(path.relative_to(base))
        for app in APPS
        for path in (base / app).rglob("*.py")
        if not SKIPPED.search(".".join(path.relative_to(base).parts))
        and MULTI_SELECT_WIDGET.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_no_template_has_a_multi_select_list():
    base = Path(settings.BASE_DIR)
    templates = [*(base / "templates").rglob("*.html")]
    for app in APPS:
        templates += (base / app).rglob("templates/**/*.html")
    offenders = [
        str(path.relative_to(base))
        for path in templates
        if MULTI_SELECT_TAG.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
