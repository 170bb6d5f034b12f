"""Typing a date as a user does: into the GOV.UK date input's boxes, found by the fieldset's
legend and each box's label (common.widgets.GovukDateInput)."""

from __future__ import annotations

import datetime


def fill_date(scope, legend: str, value: datetime.date | datetime.datetime) -> None:
    """Type `value` into the date input whose legend is `legend` (hour and minute too, for a
    datetime). `scope` is the page, or a part of it."""
    group = scope.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(value.day))
    group.get_by_label("Month").fill(str(value.month))
    group.get_by_label("Year").fill(str(value.year))
    if isinstance(value, datetime.datetime):
        group.get_by_label("Hour").fill(f"{value.hour:02d}")
        group.get_by_label("Minute").fill(f"{value.minute:02d}")
