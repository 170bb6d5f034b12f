"""Depersonalised statistics (SPEC S5): incidents by area x category x month, small numbers
suppressed, no personal identifiers, on the page and in the CSV for publication."""

import csv
import datetime
import io
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from faker import Faker

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import Incident
from incidents.services import log_complaint
from people.services import involve
from tests.access.scenario import GROUPS

fake = Faker("en_GB")
LONDON = zoneinfo.ZoneInfo("Europe/London")
PURPOSE = "Quarterly ASB figures for the community safety partnership"
PERIOD = {"reported_from": "2026-06-01", "reported_to": "2026-08-31"}
REPORTING = {UserGroup.ANALYST, UserGroup.ADMINISTRATOR}
LEAF_AREAS = 9  # seven districts, the city and Rutland
CATEGORIES = ["Personal", "Nuisance", "Environmental", "Not recorded"]


def on(day: int, month: int = 7, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=LONDON)


def plant(by, area, received_at=None, **fields) -> Incident:
    return log_complaint(
        by=by, area=area, description=fake.sentence(), received_at=received_at or on(10), **fields
    )


@pytest.fixture
def analyst(make_user):
    return make_user("Blaby District Council", UserGroup.ANALYST)


@pytest.fixture
def blaby_officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


@pytest.fixture
def charnwood_officer(make_user):
    return make_user("Charnwood Borough Council", UserGroup.OPERATIONAL)


def statistics(client, **params):
    return client.get(reverse("statistics"), params)


def download(client, **params):
    return client.get(reverse("statistics-csv"), params)


def csv_lines(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def csv_cells(response) -> dict[tuple[str, str, str], str]:
    lines = csv_lines(response)
    assert lines[1] == ["area", "category", "month", "incidents"]
    return {(area, category, month): count for area, category, month, count in lines[2:]}


def table_rows(response) -> dict[tuple[str, datetime.date], tuple[list, object]]:
    table = response.context["table"]
    return {(area, month): (counts, total) for area, month, counts, total in table.rows}


# --- Who may use it ------------------------------------------------------------------------


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("url", ["statistics", "statistics-csv"])
def test_only_reporting_users_may_produce_statistics(sign_in, scenario, group, url):
    # Even with a purpose in the session, only analysts and administrators get in.
    response = sign_in(scenario.user(group)).get(reverse(url))
    assert response.status_code == (200 if group in REPORTING else 404)


@pytest.mark.parametrize("url", ["statistics", "statistics-csv"])
def test_a_purpose_comes_first(sign_in, analyst, url):
    response = sign_in(analyst, purpose=None).get(reverse(url))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("report-purpose") + "?next=")
    assert not AuditEvent.objects.filter(
        event_type__in=[AuditEvent.Type.STATISTICS_VIEWED, AuditEvent.Type.EXPORTED]
    ).exists()


def test_signed_out_users_are_sent_to_sign_in(client):
    assert statistics(client).status_code == 302


# --- Suppression ---------------------------------------------------------------------------


@pytest.fixture
def four_and_five(partnership, blaby_officer, charnwood_officer):
    """Four nuisance incidents in Blaby and five personal ones in Charnwood, in July 2026."""
    for day in range(1, 5):
        plant(blaby_officer, partnership.areas["Blaby"], on(day), category="nuisance")
    for day in range(1, 6):
        plant(charnwood_officer, partnership.areas["Charnwood"], on(day), category="personal")


JULY = datetime.date(2026, 7, 1)


def test_counts_from_1_to_4_are_suppressed_on_the_page(sign_in, analyst, four_and_five):
    response = statistics(sign_in(analyst), **PERIOD)
    rows = table_rows(response)
    assert rows[("Blaby", JULY)] == ([0, "suppressed", 0, 0], "suppressed")
    assert rows[("Charnwood", JULY)] == ([5, 0, 0, 0], 5)
    assert rows[("Blaby", datetime.date(2026, 6, 1))] == ([0, 0, 0, 0], 0)
    page = response.content.decode()
    assert "suppressed" in page
    assert ">4<" not in page  # the hidden count appears nowhere


def test_counts_from_1_to_4_are_suppressed_in_the_csv(sign_in, analyst, four_and_five):
    cells = csv_cells(download(sign_in(analyst), **PERIOD))
    assert cells[("Blaby", "Nuisance", "2026-07")] == "suppressed"
    assert cells[("Charnwood", "Personal", "2026-07")] == "5"
    assert cells[("Charnwood", "Nuisance", "2026-07")] == "0"
    assert "4" not in cells.values()
    # Every area, category and month has a line: a missing line is never a hidden count.
    assert len(cells) == LEAF_AREAS * len(CATEGORIES) * 3


@pytest.mark.parametrize("personal, total", [(2, "suppressed"), (6, 11), (0, 5)])
def test_a_row_total_hides_a_suppressed_count(
    sign_in, analyst, partnership, blaby_officer, personal, total
):
    blaby = partnership.areas["Blaby"]
    for day in range(1, 6):
        plant(blaby_officer, blaby, on(day), category="nuisance")
    for day in range(personal):
        plant(blaby_officer, blaby, on(day + 1), category="personal")
    counts, row_total = table_rows(statistics(sign_in(analyst), **PERIOD))[("Blaby", JULY)]
    assert counts[1] == 5
    assert row_total == total


def test_no_personal_identifiers_appear(sign_in, analyst, partnership, blaby_officer):
    planted, names = [], []
    for day in range(1, 7):
        incident = plant(
            blaby_officer,
            partnership.areas["Blaby"],
            on(day),
            category="personal",
            address=f"{day} Huncote Road",
            postcode="LE19 4AA",
            uprn=f"10003000{day}",
        )
        person = involve(
            incident,
            by=blaby_officer,
            role="victim",
            person_fields={
                "given_name": fake.first_name(),
                "family_name": fake.last_name(),
                "postcode": "LE19 4ZZ",
            },
        ).person
        planted.append(incident)
        names.append(f"{person.given_name} {person.family_name}")
    client = sign_in(analyst)
    page, csv_file = statistics(client, **PERIOD), download(client, **PERIOD)
    assert table_rows(page)[("Blaby", JULY)] == ([6, 0, 0, 0], 6)
    assert csv_cells(csv_file)[("Blaby", "Personal", "2026-07")] == "6"
    for response in (page, csv_file):
        content = response.content.decode("utf-8-sig")
        for incident in planted:
            assert incident.urn not in content
            assert incident.address not in content
            assert incident.uprn not in content
        for name in names:
            assert name not in content
        assert "LE19" not in content


# --- What is counted -----------------------------------------------------------------------


def test_periods_are_whole_months(sign_in, analyst, partnership, blaby_officer):
    for month, days in ((7, (1, 2, 10, 30, 31)), (8, (1, 2, 3, 20, 31))):
        for day in days:
            plant(blaby_officer, partnership.areas["Blaby"], on(day, month), category="nuisance")
    # Cut at the 15th and the 20th, July would have none; as the whole month it has 5.
    response = statistics(sign_in(analyst), reported_from="2026-07-15", reported_to="2026-07-20")
    assert response.context["table"].months == [JULY]
    assert table_rows(response)[("Blaby", JULY)][0][1] == 5
    # Ending on 2 August would count 2 (suppressed) of August's: the whole month has 5.
    widened = statistics(sign_in(analyst), reported_from="2026-07-15", reported_to="2026-08-02")
    assert [month.month for month in widened.context["table"].months] == [7, 8]
    assert table_rows(widened)[("Blaby", datetime.date(2026, 8, 1))][0][1] == 5


def test_months_follow_the_uk_clock(sign_in, analyst, partnership, blaby_officer):
    # 00:30 on 1 August in London is still 31 July in UTC.
    for minute in range(5):
        plant(
            blaby_officer,
            partnership.areas["Blaby"],
            datetime.datetime(2026, 8, 1, 0, 30 + minute, tzinfo=LONDON),
            category="nuisance",
        )
    rows = table_rows(statistics(sign_in(analyst), **PERIOD))
    assert rows[("Blaby", datetime.date(2026, 8, 1))][0][1] == 5
    assert rows[("Blaby", JULY)][0][1] == 0


def test_an_area_counts_the_areas_inside_it(sign_in, analyst, partnership, make_user):
    rutland_officer = make_user("Rutland County Council", UserGroup.OPERATIONAL)
    plant(rutland_officer, partnership.areas["Rutland"], category="nuisance")
    county = partnership.areas["Leicestershire"]
    response = statistics(sign_in(analyst), area=county.pk, **PERIOD)
    assert response.context["table"].areas == [
        "Blaby",
        "Charnwood",
        "Harborough",
        "Hinckley and Bosworth",
        "Melton",
        "North West Leicestershire",
        "Oadby and Wigston",
    ]
    cells = csv_cells(download(sign_in(analyst), area=county.pk, **PERIOD))
    assert not any(area == "Rutland" for area, _category, _month in cells)


def test_other_organisations_confidential_cases_are_not_counted(
    sign_in, analyst, partnership, charnwood_officer
):
    for day in range(1, 6):
        plant(charnwood_officer, partnership.areas["Charnwood"], on(day), category="personal")
    for day in range(1, 6):
        plant(
            charnwood_officer,
            partnership.areas["Charnwood"],
            on(day),
            category="personal",
            marking=Incident.Marking.CONFIDENTIAL,
        )
    rows = table_rows(statistics(sign_in(analyst), **PERIOD))
    assert rows[("Charnwood", JULY)][0][0] == 5


def test_the_first_visit_shows_the_last_twelve_months(
    sign_in, analyst, partnership, blaby_officer
):
    plant(blaby_officer, partnership.areas["Blaby"], timezone.now(), category="nuisance")
    table = statistics(sign_in(analyst)).context["table"]
    assert len(table.months) == 12
    assert table.months[-1] == timezone.localdate().replace(day=1)


def test_the_statistics_are_marked_for_publication(sign_in, analyst, four_and_five):
    client = sign_in(analyst)
    page = statistics(client, **PERIOD)
    assert page.context["protective_marking"] == Incident.Marking.PROTECT
    response = download(client, **PERIOD)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="asb-statistics-2026-06-to-2026-08.csv"' in response["Content-Disposition"]
    assert csv_lines(response)[0] == ["PROTECT"]


# --- Bad input -----------------------------------------------------------------------------


def test_bad_periods_get_field_errors_and_keep_what_was_typed(sign_in, analyst):
    client = sign_in(analyst)
    response = statistics(client, reported_from="2026-08-01", reported_to="2026-07-01")
    assert "The end date must be the same as or after the start." in response.content.decode()
    assert response.context["table"] is None
    too_long = statistics(client, reported_from="2022-01-01", reported_to="2026-07-01")
    page = too_long.content.decode()
    assert "Choose a period of 36 months or fewer." in page
    # What was typed stays in the date's three boxes.
    assert 'name="reported_from_year" value="2022"' in page
    not_a_date = statistics(
        client, reported_from_day="31", reported_from_month="2", reported_from_year="2026"
    )
    page = not_a_date.content.decode()
    assert "The start date must be a real date." in page
    assert 'name="reported_from_day" value="31"' in page
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.STATISTICS_VIEWED).exists()


def test_a_download_with_a_bad_period_goes_back_to_the_page(sign_in, analyst):
    response = download(sign_in(analyst), reported_from="2026-08-01", reported_to="2026-07-01")
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("statistics") + "?reported_from=2026-08-01&reported_to=2026-07-01"
    )
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.EXPORTED).exists()


# --- Audit ---------------------------------------------------------------------------------

FILTERS = {"reported_from": "2026-06-01", "reported_to": "2026-08-31", "area": None}
CELLS = LEAF_AREAS * len(CATEGORIES) * 3


def test_the_page_is_recorded_with_its_filters_purpose_and_size(sign_in, analyst, four_and_five):
    statistics(sign_in(analyst), reported_from="2026-06-10", reported_to="2026-08-05")
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.STATISTICS_VIEWED)
    assert event.actor == analyst
    assert event.justification == PURPOSE
    assert event.details == {"filters": FILTERS, "row_count": CELLS}


def test_the_download_is_recorded_as_an_export(sign_in, analyst, partnership, four_and_five):
    download(sign_in(analyst), area=partnership.areas["Blaby"].pk, **PERIOD)
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.EXPORTED)
    assert event.actor == analyst
    assert event.justification == PURPOSE
    assert event.target_type == "statistics"
    assert event.details == {
        "format": "csv",
        "row_count": len(CATEGORIES) * 3,
        "filters": {**FILTERS, "area": "Blaby"},
    }


# --- Query counts --------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["statistics", "statistics-csv"])
def test_a_constant_number_of_queries(
    sign_in, analyst, partnership, blaby_officer, charnwood_officer, django_assert_num_queries, url
):
    client = sign_in(analyst)
    plant(blaby_officer, partnership.areas["Blaby"], category="nuisance")
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse(url), PERIOD).status_code == 200

    for month in (6, 7, 8):
        for category in ("personal", "nuisance", "environmental", ""):
            for officer, area in ((blaby_officer, "Blaby"), (charnwood_officer, "Charnwood")):
                plant(officer, partnership.areas[area], on(3, month=month), category=category)
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(reverse(url), PERIOD).status_code == 200
