"""A record's field changes as people read them (SPEC A1, §16): each field by its label, each
value as the pages show it - the label of a choice, Yes or No, a date, a time to the minute
in local time, the name of a related record, the names of several - never a stored code, a
Python list or a timestamp with microseconds.

Used by the history pages (`audit.history.history_of`) and the edit-conflict message
(`common.conflicts.changes_since`), from django-simple-history's `ModelChange`s.
"""

from __future__ import annotations

import datetime
import decimal
from collections import defaultdict
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.dateformat import format as format_date

DATE = "j M Y"
DATE_TIME = "j M Y H:i"


@dataclass
class ShownChange:
    name: str  # the field's name
    label: str  # its label (the model's verbose name: pages capitalise it)
    old: str  # "" for blank
    new: str


def _related_keys(field, value) -> list:
    """The primary keys of the records a value names: a foreign key's, or those of an m2m
    field's rows (dicts of the through table, keyed by the related model's name)."""
    if value in (None, "", []):
        return []
    if field.many_to_many:
        target = field.m2m_reverse_field_name()
        return [row[target] for row in value]
    return [value]


def _names(model, changes) -> dict:
    """{(related model, key): its name} for every record the changes name: one query per
    related model, however many changes there are (a foreign key's value is its target
    field's, usually the primary key)."""
    wanted = defaultdict(set)
    for change in changes:
        field = model._meta.get_field(change.field)
        if field.is_relation and field.related_model is not None:
            target = "pk" if field.many_to_many else field.target_field.attname
            for value in (change.old, change.new):
                wanted[(field.related_model, target)].update(_related_keys(field, value))
    names = {}
    for (related, target), keys in wanted.items():
        for record in related._base_manager.filter(**{f"{target}__in": keys}):
            names[(related, getattr(record, target))] = str(record)
    return names


def _moment(value, shape: str) -> str:
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return format_date(value, shape)


def _value(field, value, names: dict) -> str:
    if value in (None, "", []):
        return ""
    if field.is_relation and field.related_model is not None:
        shown = [
            names.get((field.related_model, key), "(a record no longer held)")
            for key in _related_keys(field, value)
        ]
        return ", ".join(sorted(shown)) if field.many_to_many else shown[0]
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return "Yes" if value else "No"
    if isinstance(field, models.DateTimeField) and isinstance(value, datetime.datetime):
        return _moment(value, DATE_TIME)
    if isinstance(field, models.DateField) and isinstance(value, datetime.date):
        return _moment(value, DATE)
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    return str(value)


def shown_changes(model, changes) -> list[ShownChange]:
    """The changes (simple-history `ModelChange`s of `model`, from any number of diffs) in
    the same order, as people read them."""
    changes = list(changes)
    names = _names(model, changes)
    shown = []
    for change in changes:
        field = model._meta.get_field(change.field)
        shown.append(
            ShownChange(
                name=change.field,
                label=str(field.verbose_name),
                old=_value(field, change.old, names),
                new=_value(field, change.new, names),
            )
        )
    return shown
