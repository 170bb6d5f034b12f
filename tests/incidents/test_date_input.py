"""Dates are typed one way everywhere: the GOV.UK date input (day, month, year) with hour and
minute boxes for a time (common.widgets, common.forms), with GOV.UK's messages on the field,
only the boxes in error marked, and what was typed kept (issue #24 item 16). Shown through
the working sheet and the task pages; the API keeps its ISO dates."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import UserGroup
from incidents.models import Task, WorkingSheetEntry
from incidents.services import log_complaint
from tests.support.posted import typed_date

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


@pytest.fixture
def incident(officer, partnership):
    return log_complaint(by=officer, area=partnership.areas["Blaby"], description="Noise")


def _entry(client, incident, **when):
    data = {"kind": WorkingSheetEntry.Kind.NOTE, "text": "Visited the flats.", **when}
    return client.post(reverse("entry-add", args=[incident.urn]), data)


def _when(day="", month="", year="", hour="", minute="") -> dict:
    parts = {"day": day, "month": month, "year": year, "hour": hour, "minute": minute}
    return {f"occurred_at_{part}": value for part, value in parts.items()}


def _input(page: str, id_: str) -> str:
    return re.search(rf'<input [^>]*id="{id_}"[^>]*>', page)[0]


def _box(page: str, part: str) -> str:
    return _input(page, f"id_occurred_at_{part}")


def _marked(page: str) -> set[str]:
    parts = ("day", "month", "year", "hour", "minute")
    return {part for part in parts if "govuk-input--error" in _box(page, part)}


def test_the_date_and_time_is_a_fieldset_of_five_labelled_boxes(client, officer, incident):
    client.force_login(officer)
    before = timezone.localtime()

    page = client.get(reverse("entry-add", args=[incident.urn])).content.decode()

    after = timezone.localtime()
    fieldset = page.split('<fieldset class="govuk-fieldset" role="group"', 1)[1].split(
        "</fieldset>"
    )[0]
    assert "When did it happen?" in fieldset.split("</legend>")[0]
    assert 'class="govuk-date-input"' in fieldset
    for part, label in [("day", "Day"), ("month", "Month"), ("year", "Year")]:
        assert f'for="id_occurred_at_{part}">{label}</label>' in fieldset
    for part, label in [("hour", "Hour"), ("minute", "Minute")]:
        assert f'for="id_occurred_at_{part}">{label}</label>' in fieldset
    assert 'type="date' not in page and "datetime-local" not in page
    # A new entry is about now, to the minute.
    shown = {part: re.search(r'value="(\d+)"', _box(page, part))[1] for part in ("day", "hour")}
    assert shown["day"] in {str(before.day), str(after.day)}
    assert shown["hour"] in {f"{before.hour:02d}", f"{after.hour:02d}"}


def test_an_impossible_date_is_a_field_message_and_the_boxes_keep_what_was_typed(
    client, officer, incident
):
    client.force_login(officer)

    response = _entry(client, incident, **_when("31", "2", "2026", "14", "30"))

    page = response.content.decode()
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors == {"occurred_at": ["When it happened must be a real date."]}
    # The error summary links to the day, the one box in error; every box keeps its text.
    assert '<a href="#id_occurred_at_day">When it happened must be a real date.</a>' in page
    assert _marked(page) == {"day"}
    typed = {"day": "31", "month": "2", "year": "2026", "hour": "14", "minute": "30"}
    for part, value in typed.items():
        assert f'value="{value}"' in _box(page, part)
    assert not WorkingSheetEntry.objects.exists()


@pytest.mark.parametrize(
    ("when", "message", "marked"),
    [
        (_when(), "Enter when it happened.", {"day", "month", "year", "hour", "minute"}),
        (_when("3", "", "2026", "9", "05"), "When it happened must include a month.", {"month"}),
        (
            _when("", "", "2026", "9", "05"),
            "When it happened must include a day and month.",
            {"day", "month"},
        ),
        (_when("3", "4", "2026"), "When it happened must include a time.", {"hour", "minute"}),
        (_when("3", "4", "2026", "9"), "When it happened must include a minute.", {"minute"}),
        (_when("3", "13", "2026", "9", "05"), "When it happened must be a real date.", {"month"}),
        (
            _when("3", "4", "26", "9", "05"),
            "When it happened must have a year of 4 numbers, like",
            {"year"},
        ),
        (
            _when("3", "4", "2026", "25", "05"),
            "When it happened must be a real time, on the 24-hour clock.",
            {"hour"},
        ),
        (
            _when("3", "4", "2026", "9", "five"),
            "When it happened must be a real time.",
            {"minute"},
        ),
        # The clocks went forward at 1am on 29 March 2026: 1.30am did not happen.
        (
            _when("29", "3", "2026", "1", "30"),
            "When it happened must be a real time: the clocks went forward then.",
            {"hour", "minute"},
        ),
    ],
)
def test_each_problem_has_its_gov_uk_message_on_the_boxes_to_correct(
    client, officer, incident, when, message, marked
):
    client.force_login(officer)

    response = _entry(client, incident, **when)

    page = response.content.decode()
    [error] = response.context["form"].errors["occurred_at"]
    assert error.startswith(message)
    assert _marked(page) == marked
    first = next(part for part in ("day", "month", "year", "hour", "minute") if part in marked)
    assert f'href="#id_occurred_at_{first}"' in page
    for part, value in when.items():
        assert f'value="{value}"' in _box(page, part.rsplit("_", 1)[1]) or not value


def test_a_date_and_time_typed_in_the_boxes_is_saved_in_local_time(client, officer, incident):
    client.force_login(officer)
    moment = (timezone.localtime() - datetime.timedelta(hours=1)).replace(second=0, microsecond=0)

    response = _entry(client, incident, **typed_date("occurred_at", moment))

    assert response.status_code == 302
    assert WorkingSheetEntry.objects.get().occurred_at == moment


def test_a_month_may_be_typed_as_its_name():
    from common.forms import GovukDateField

    field = GovukDateField(label="Date of birth")
    assert field.clean(["27", "March", "1987"]) == datetime.date(1987, 3, 27)
    assert field.clean(["27", "sept", "1987"]) == datetime.date(1987, 9, 27)


def test_a_whole_iso_date_in_one_value_is_still_read():
    """What the API sends to the forms it shares with the pages, and what drafts saved before
    the date input hold."""
    from common.forms import GovukDateField, GovukDateTimeField

    assert GovukDateField(label="From").clean("2026-03-27") == datetime.date(2026, 3, 27)
    moment = GovukDateTimeField(label="When").clean("2026-07-02T14:30")
    local = timezone.localtime(moment).replace(tzinfo=None)
    assert local == datetime.datetime(2026, 7, 2, 14, 30)


def test_a_task_due_date_is_typed_in_the_date_input(client, officer, incident):
    client.force_login(officer)
    due = timezone.localdate() + datetime.timedelta(days=3)

    response = client.post(
        reverse("task-add", args=[incident.urn]),
        {"assigned_to": officer.pk, "title": "Visit the flats", **typed_date("due_on", due)},
    )

    assert response.status_code == 302
    assert Task.objects.get().due_on == due
    wrong = client.post(
        reverse("task-add", args=[incident.urn]),
        {"assigned_to": officer.pk, "title": "Visit", "due_on_day": "30", "due_on_month": "2"},
    )
    page = wrong.content.decode()
    assert "The due date must include a year." in page
    assert 'value="30"' in _input(page, "id_due_on_day")
    assert "govuk-input--error" in _input(page, "id_due_on_year")
    assert "govuk-input--error" not in _input(page, "id_due_on_day")
