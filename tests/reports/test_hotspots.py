"""Hotspots and patterns (SPEC S4): who may see them, over what scope, the map and its
accessible tables, repeat locations, victims and perpetrators, audit and query counts."""

import datetime
import json
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from faker import Faker

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import CaseRules, Incident
from incidents.services import log_complaint
from people.services import involve
from tests.access.scenario import GROUPS

fake = Faker("en_GB")
LONDON = zoneinfo.ZoneInfo("Europe/London")
PURPOSE = "Monthly hotspot analysis for the Blaby tasking meeting"
# The period most tests ask for, and dates inside and outside it.
PERIOD = {"reported_from": "2026-06-01", "reported_to": "2026-08-31"}
BEFORE_PERIOD = datetime.datetime(2026, 5, 20, 12, 0, tzinfo=LONDON)


def on(day: int, hour: int = 12, minute: int = 0, month: int = 7) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=LONDON)


def plant(by, area, received_at=None, *, lat=None, lng=None, **fields) -> Incident:
    """A complaint logged through the service, reported at `received_at`, with map
    coordinates when given."""
    if lat is not None:
        fields.update(latitude=Decimal(str(lat)), longitude=Decimal(str(lng)))
    return log_complaint(
        by=by,
        area=area,
        description=fake.sentence(),
        received_at=received_at or on(10),
        **fields,
    )


def new_person(incident, by, role):
    fields = {"given_name": fake.first_name(), "family_name": fake.last_name()}
    return involve(incident, by=by, role=role, person_fields=fields).person


def full_name(person) -> str:
    return f"{person.given_name} {person.family_name}"


def shown(person) -> str:
    """The name as the page shows it (escaped: a random surname may be O'Brien)."""
    return escape(full_name(person))


@pytest.fixture
def blaby_officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


@pytest.fixture
def rutland_officer(make_user):
    return make_user("Rutland County Council", UserGroup.OPERATIONAL)


@pytest.fixture
def analyst(make_user):
    return make_user("Blaby District Council", UserGroup.ANALYST)


def cells_of(response) -> list[dict]:
    """The map's data, read from the page as the script reads it."""
    match = re.search(
        r'<script id="hotspot-cells" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(match.group(1)) if match else []


def points(response) -> set[tuple[float, float]]:
    return {(cell["lat"], cell["lng"]) for cell in cells_of(response)}


def hotspots(client, **params):
    return client.get(reverse("hotspots"), params)


# --- Who may use the page ------------------------------------------------------------------


@pytest.mark.parametrize("group", GROUPS)
def test_who_may_see_hotspots(client, scenario, group):
    client.force_login(scenario.user(group))
    response = hotspots(client)
    if group == UserGroup.BASIC:
        assert response.status_code == 404
    elif group in (UserGroup.ANALYST, UserGroup.ADMINISTRATOR):
        # County-wide analysis is part of the reporting module: a purpose comes first.
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("report-purpose") + "?next=")
        assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.HOTSPOTS_VIEWED).exists()
    else:
        assert response.status_code == 200
        assert response.context["county_wide"] is False


def test_the_purpose_redirect_comes_back_to_the_same_period(client, analyst):
    client.force_login(analyst)
    response = hotspots(client, **PERIOD)
    assert response.status_code == 302
    assert "next=%2Freports%2Fhotspots%2F%3Freported_from%3D2026-06-01" in response["Location"]


@pytest.mark.parametrize("group", [UserGroup.ANALYST, UserGroup.ADMINISTRATOR])
def test_reporting_users_see_the_page_once_they_state_a_purpose(sign_in, scenario, group):
    response = hotspots(sign_in(scenario.user(group)))
    assert response.status_code == 200
    assert response.context["county_wide"] is True
    assert PURPOSE in response.content.decode()


def test_signed_out_users_are_sent_to_sign_in(client):
    response = hotspots(client)
    assert response.status_code == 302
    assert "next=" in response["Location"]


# --- Scope ---------------------------------------------------------------------------------

BLABY, RUTLAND, SHARED = (52.58, -1.17), (52.67, -0.73), (52.66, -0.64)


@pytest.fixture
def placed(scenario):
    """The scenario's incidents (reported today) on the map."""
    for record, (lat, lng) in {"in_area": BLABY, "out_of_area": RUTLAND, "shared": SHARED}.items():
        Incident.objects.filter(pk=scenario.incidents[record].pk).update(
            latitude=Decimal(str(lat)), longitude=Decimal(str(lng))
        )
    return scenario


@pytest.mark.parametrize("group", [UserGroup.OPERATIONAL, UserGroup.ENHANCED])
def test_operational_users_see_only_what_they_may_view(sign_in, placed, group):
    response = hotspots(sign_in(placed.user(group), purpose=None))
    assert points(response) == {BLABY, SHARED}
    assert response.context["results"]["total"] == 2


@pytest.mark.parametrize("group", [UserGroup.ANALYST, UserGroup.ADMINISTRATOR])
def test_reporting_users_see_the_whole_county(sign_in, placed, group):
    response = hotspots(sign_in(placed.user(group)))
    assert points(response) == {BLABY, RUTLAND, SHARED}
    assert response.context["results"]["total"] == 3


def test_other_organisations_confidential_cases_stay_out_of_county_wide_hotspots(
    sign_in, analyst, rutland_officer, partnership
):
    plant(rutland_officer, partnership.areas["Rutland"], lat=52.6, lng=-0.7)
    plant(
        rutland_officer,
        partnership.areas["Rutland"],
        lat=52.7,
        lng=-0.6,
        marking=Incident.Marking.CONFIDENTIAL,
    )
    response = hotspots(sign_in(analyst), **PERIOD)
    assert points(response) == {(52.6, -0.7)}


def test_an_operational_users_repeat_tables_leave_out_other_areas(
    sign_in, blaby_officer, rutland_officer, partnership
):
    place = {"address": "3 Oakham Road", "postcode": "LE15 6AA"}
    rutland = [plant(rutland_officer, partnership.areas["Rutland"], **place) for _ in range(3)]
    victim = new_person(rutland[0], rutland_officer, "victim")
    for incident in rutland[1:]:
        involve(incident, by=rutland_officer, role="victim", person=victim)
    page = hotspots(sign_in(blaby_officer, purpose=None), **PERIOD).content.decode()
    assert "3 Oakham Road" not in page and shown(victim) not in page
    assert not any(incident.urn in page for incident in rutland)


def test_analysts_see_county_wide_rows_but_links_only_to_what_they_may_open(
    sign_in, analyst, blaby_officer, rutland_officer, partnership
):
    blaby = [
        plant(
            blaby_officer,
            partnership.areas["Blaby"],
            address="7 Canal Street",
            postcode="LE19 1AA",
        )
        for _ in range(3)
    ]
    rutland = [
        plant(
            rutland_officer,
            partnership.areas["Rutland"],
            address="3 Oakham Road",
            postcode="LE15 6AA",
        )
        for _ in range(3)
    ]
    local = new_person(blaby[0], blaby_officer, "victim")
    for incident in blaby[1:]:
        involve(incident, by=blaby_officer, role="victim", person=local)
    remote = new_person(rutland[0], rutland_officer, "perpetrator")
    for incident in rutland[1:]:
        involve(incident, by=rutland_officer, role="perpetrator", person=remote)

    page = hotspots(sign_in(analyst), **PERIOD).content.decode()

    for incident in blaby:
        assert f'href="{reverse("incident-detail", args=[incident.urn])}"' in page
    for incident in rutland:
        assert incident.urn in page
        assert reverse("incident-detail", args=[incident.urn]) not in page
    assert f'href="{reverse("person-detail", args=[local.pk])}"' in page
    assert shown(remote) in page
    assert reverse("person-detail", args=[remote.pk]) not in page


# --- The map and its tables ----------------------------------------------------------------


def test_nearby_incidents_share_a_grid_square_with_their_categories(
    sign_in, blaby_officer, partnership
):
    blaby = partnership.areas["Blaby"]
    plant(blaby_officer, blaby, lat=52.5801, lng=-1.1701, category="nuisance")
    plant(blaby_officer, blaby, lat=52.5812, lng=-1.1690, category="personal")
    plant(blaby_officer, blaby, lat=52.5900, lng=-1.1700, category="nuisance")
    plant(blaby_officer, blaby)  # no map location

    response = hotspots(sign_in(blaby_officer, purpose=None), **PERIOD)

    results = response.context["results"]
    busiest = results["cells"][0]
    assert (busiest.latitude, busiest.longitude, busiest.count) == (52.58, -1.17, 2)
    assert busiest.area == "Blaby"
    assert busiest.categories == {
        "Personal": 1,
        "Nuisance": 1,
        "Environmental": 0,
        "Not recorded": 0,
    }
    assert [cell.count for cell in results["cells"]] == [2, 1]
    assert results["off_map"] == 1 and results["total"] == 4
    assert cells_of(response)[0] == {
        "lat": 52.58,
        "lng": -1.17,
        "count": 2,
        "label": "2 incidents near Blaby: 1 Personal, 1 Nuisance",
    }
    page = response.content.decode()
    assert "52.580, -1.170" in page  # the table lists the squares the map draws
    assert "1 of them has no map location" in page


def test_the_map_works_without_tiles(settings, sign_in, blaby_officer, partnership):
    settings.MAP_TILE_URL = ""
    plant(blaby_officer, partnership.areas["Blaby"], lat=52.58, lng=-1.17)
    page = hotspots(sign_in(blaby_officer, purpose=None), **PERIOD).content.decode()
    assert "Map tiles are not configured" in page
    assert 'data-tile-url=""' in page
    assert '<script id="hotspot-cells" type="application/json">' in page
    assert 'src="/static/leaflet/leaflet.js"' in page
    assert 'type="module" src="/static/js/hotspots.mjs"' in page
    assert 'href="/static/leaflet/leaflet.css"' in page


def test_the_map_uses_the_configured_tiles(settings, sign_in, blaby_officer, partnership):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "Example tiles"
    plant(blaby_officer, partnership.areas["Blaby"], lat=52.58, lng=-1.17)
    page = hotspots(sign_in(blaby_officer, purpose=None), **PERIOD).content.decode()
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in page
    assert 'data-tile-attribution="Example tiles"' in page
    assert "Map tiles are not configured" not in page


def test_leaflet_and_the_map_script_are_served():
    for path in ("leaflet/leaflet.js", "leaflet/leaflet.css", "js/hotspots.mjs"):
        assert finders.find(path), path


def test_no_map_without_map_locations(sign_in, blaby_officer, partnership):
    plant(blaby_officer, partnership.areas["Blaby"])
    page = hotspots(sign_in(blaby_officer, purpose=None), **PERIOD).content.decode()
    assert "None of the incidents in the period has a map location." in page
    assert "hotspot-map" not in page and "leaflet.js" not in page


def test_incidents_are_tabled_by_uk_weekday_and_time(sign_in, blaby_officer, partnership):
    blaby = partnership.areas["Blaby"]
    plant(blaby_officer, blaby, on(4, 21, 30))  # Saturday evening
    # Sunday 00:30 in London is still Saturday 23:30 UTC: the table is on UK time.
    plant(blaby_officer, blaby, on(5, 0, 30))
    plant(blaby_officer, blaby, on(5, 0, 45))
    table = hotspots(sign_in(blaby_officer, purpose=None), **PERIOD).context["results"]["weekdays"]
    rows = {weekday: counts for weekday, counts, _total in table.rows}
    assert rows["Saturday"] == [0, 0, 0, 0, 0, 1]
    assert rows["Sunday"] == [2, 0, 0, 0, 0, 0]
    assert table.band_totals == [2, 0, 0, 0, 0, 1] and table.total == 3


def test_the_category_filter_narrows_everything(sign_in, blaby_officer, partnership):
    blaby = partnership.areas["Blaby"]
    plant(blaby_officer, blaby, lat=52.58, lng=-1.17, category="nuisance")
    plant(blaby_officer, blaby, lat=52.60, lng=-1.17, category="personal")
    response = hotspots(sign_in(blaby_officer, purpose=None), category="personal", **PERIOD)
    assert points(response) == {(52.6, -1.17)}
    assert response.context["results"]["total"] == 1


def test_the_area_filter_includes_the_areas_inside(
    sign_in, analyst, blaby_officer, rutland_officer, partnership
):
    plant(blaby_officer, partnership.areas["Blaby"], lat=52.58, lng=-1.17)
    plant(rutland_officer, partnership.areas["Rutland"], lat=52.67, lng=-0.73)
    county = partnership.areas["Leicestershire"]
    response = hotspots(sign_in(analyst), area=county.pk, **PERIOD)
    assert points(response) == {(52.58, -1.17)}


def test_the_page_is_marked_at_the_highest_marking_shown(sign_in, blaby_officer, partnership):
    plant(blaby_officer, partnership.areas["Blaby"], marking=Incident.Marking.PROTECT)
    page = hotspots(sign_in(blaby_officer, purpose=None), **PERIOD)
    assert page.context["protective_marking"] == Incident.Marking.PROTECT
    plant(blaby_officer, partnership.areas["Blaby"], marking=Incident.Marking.CONFIDENTIAL)
    page = hotspots(sign_in(blaby_officer, purpose=None), **PERIOD)
    assert page.context["protective_marking"] == Incident.Marking.CONFIDENTIAL
    assert 'data-marking="confidential"' in page.content.decode()


# --- Repeats -------------------------------------------------------------------------------


def repeats(response, kind: str) -> dict[str, int]:
    return {row.label: row.count for row in response.context["results"]["repeats"][kind].rows}


def test_a_place_with_enough_incidents_in_the_period_is_a_repeat_location(
    sign_in, blaby_officer, partnership
):
    blaby = partnership.areas["Blaby"]
    assert CaseRules.current().repeat_min_incidents == 3
    # Three at one place, typed three ways (case, spaces, a comma).
    for address in ("7 Canal Street", "7 canal  street", "7, Canal Street"):
        plant(blaby_officer, blaby, address=address, postcode="LE19 1AA")
    # Two in the period and one before it at another.
    for when in (on(3), on(4), BEFORE_PERIOD):
        plant(blaby_officer, blaby, when, address="9 Mill Lane", postcode="LE19 2BB")
    # Three with the same UPRN, whatever their address says.
    for address in ("Flat 1, Mill House", "Mill House", ""):
        plant(blaby_officer, blaby, uprn="100030001234", address=address)

    response = hotspots(sign_in(blaby_officer, purpose=None), **PERIOD)

    found = repeats(response, "locations")
    assert len(found) == 2
    assert found["7, Canal Street, LE19 1AA"] == 3  # labelled as the newest typed it
    assert found["UPRN 100030001234"] == 3
    assert not any("Mill Lane" in label for label in found)
    lower = hotspots(sign_in(blaby_officer, purpose=None), minimum=2, **PERIOD)
    assert repeats(lower, "locations")["9 Mill Lane, LE19 2BB"] == 2


def test_a_person_with_enough_incidents_is_a_repeat_victim(sign_in, blaby_officer, partnership):
    blaby = partnership.areas["Blaby"]
    first = plant(blaby_officer, blaby, on(1))
    repeat = new_person(first, blaby_officer, "victim")
    # Complainant counts as victim; being both in one incident is still one incident.
    second = plant(blaby_officer, blaby, on(2))
    involve(second, by=blaby_officer, role="complainant", person=repeat)
    involve(second, by=blaby_officer, role="victim", person=repeat)
    third = plant(blaby_officer, blaby, on(3))
    involve(third, by=blaby_officer, role="complainant", person=repeat)

    not_yet = new_person(plant(blaby_officer, blaby, on(4)), blaby_officer, "victim")
    involve(plant(blaby_officer, blaby, on(5)), by=blaby_officer, role="victim", person=not_yet)
    outside = plant(blaby_officer, blaby, BEFORE_PERIOD)
    involve(outside, by=blaby_officer, role="victim", person=not_yet)
    # A witness three times over is not a repeat victim.
    witness = new_person(plant(blaby_officer, blaby), blaby_officer, "witness")
    for _ in range(2):
        involve(plant(blaby_officer, blaby), by=blaby_officer, role="witness", person=witness)

    response = hotspots(sign_in(blaby_officer, purpose=None), **PERIOD)

    assert repeats(response, "victims") == {full_name(repeat): 3}
    row = response.context["results"]["repeats"]["victims"].rows[0]
    assert [incident.urn for incident in row.incidents] == [third.urn, second.urn, first.urn]
    assert row.latest == on(3)
    page = response.content.decode()
    assert f'href="{reverse("person-detail", args=[repeat.pk])}"' in page
    assert shown(not_yet) not in page and shown(witness) not in page


def test_a_person_with_enough_incidents_is_a_repeat_perpetrator(
    sign_in, blaby_officer, partnership
):
    blaby = partnership.areas["Blaby"]
    suspect = new_person(plant(blaby_officer, blaby, on(1)), blaby_officer, "perpetrator")
    for day in (2, 3):
        involve(
            plant(blaby_officer, blaby, on(day)),
            by=blaby_officer,
            role="perpetrator",
            person=suspect,
        )
    other = new_person(plant(blaby_officer, blaby, on(4)), blaby_officer, "perpetrator")
    for when in (on(5), BEFORE_PERIOD):
        involve(
            plant(blaby_officer, blaby, when), by=blaby_officer, role="perpetrator", person=other
        )

    client = sign_in(blaby_officer, purpose=None)
    assert repeats(hotspots(client, **PERIOD), "perpetrators") == {full_name(suspect): 3}
    # The threshold is the user's to change: 2 lists both, most incidents first.
    lower = hotspots(client, minimum=2, **PERIOD)
    assert [row.count for row in lower.context["results"]["repeats"]["perpetrators"].rows] == [
        3,
        2,
    ]
    # A larger threshold lists no one.
    assert repeats(hotspots(client, minimum=4, **PERIOD), "perpetrators") == {}


def test_the_default_threshold_is_the_partnerships_repeat_rule(
    sign_in, blaby_officer, partnership
):
    CaseRules.objects.filter(pk=1).update(repeat_min_incidents=2)
    blaby = partnership.areas["Blaby"]
    for _ in range(2):
        plant(blaby_officer, blaby, address="7 Canal Street", postcode="LE19 1AA")
    response = hotspots(sign_in(blaby_officer, purpose=None), **PERIOD)
    assert response.context["minimum"] == 2
    assert repeats(response, "locations") == {"7 Canal Street, LE19 1AA": 2}
    first_visit = hotspots(sign_in(blaby_officer, purpose=None))
    assert first_visit.context["form"]["minimum"].value() == "2"
    left_blank = hotspots(sign_in(blaby_officer, purpose=None), minimum="", **PERIOD)
    assert left_blank.context["minimum"] == 2
    assert 'name="minimum" value="2"' in left_blank.content.decode()


# --- Bad input -----------------------------------------------------------------------------


def test_bad_filters_get_field_errors_and_keep_what_was_typed(sign_in, blaby_officer):
    response = hotspots(
        sign_in(blaby_officer, purpose=None),
        reported_from_day="1",
        reported_from_month="8",
        reported_from_year="2026",
        reported_to_day="1",
        reported_to_month="7",
        reported_to_year="2026",
        minimum="1",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The end date must be the same as or after the start." in page
    assert "A repeat needs at least 2 incidents." in page
    assert 'name="reported_from_month" value="8"' in page
    assert response.context["results"] is None
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.HOTSPOTS_VIEWED).exists()


def test_a_threshold_that_is_not_a_number_is_an_error(sign_in, blaby_officer):
    response = hotspots(sign_in(blaby_officer, purpose=None), minimum="three")
    assert "Enter the number of incidents as a whole number, like 3." in response.content.decode()


# --- Audit ---------------------------------------------------------------------------------


def test_each_analysis_is_recorded_with_its_filters_purpose_and_count(
    sign_in, analyst, blaby_officer, partnership
):
    for _ in range(2):
        plant(blaby_officer, partnership.areas["Blaby"], category="nuisance")
    hotspots(
        sign_in(analyst),
        area=partnership.areas["Blaby"].pk,
        category="nuisance",
        minimum="4",
        **PERIOD,
    )
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.HOTSPOTS_VIEWED)
    assert event.actor == analyst
    assert event.justification == PURPOSE
    assert event.details == {
        "filters": {
            "reported_from": "2026-06-01",
            "reported_to": "2026-08-31",
            "area": "Blaby",
            "category": "nuisance",
            "minimum": 4,
            "scope": "county",
        },
        "row_count": 2,
    }


def test_an_operational_users_analysis_is_recorded_too(sign_in, blaby_officer, partnership):
    plant(blaby_officer, partnership.areas["Blaby"])
    hotspots(sign_in(blaby_officer, purpose=None), **PERIOD)
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.HOTSPOTS_VIEWED)
    assert event.justification == "Hotspots"
    assert event.details["filters"]["scope"] == "own"
    assert event.details["filters"]["minimum"] == 3
    assert event.details["row_count"] == 1


# --- Query counts --------------------------------------------------------------------------


def _plant_many(blaby_officer, rutland_officer, partnership):
    """Incidents of every kind the page lists: hotspots, repeat places, victims and
    perpetrators, in and out of the analyst's own view."""
    for officer, area, lat in (
        (blaby_officer, partnership.areas["Blaby"], 52.58),
        (rutland_officer, partnership.areas["Rutland"], 52.67),
    ):
        for n in range(2):
            address = f"{n + 1} Canal Street"
            incidents = [
                plant(officer, area, on(day), lat=lat + n / 100, lng=-1.0, address=address,
                      postcode="LE19 1AA", category="nuisance")
                for day in (1, 2, 3)
            ]  # fmt: skip
            victim = new_person(incidents[0], officer, "victim")
            suspect = new_person(incidents[0], officer, "perpetrator")
            for incident in incidents[1:]:
                involve(incident, by=officer, role="victim", person=victim)
                involve(incident, by=officer, role="perpetrator", person=suspect)


@pytest.mark.parametrize("group", [UserGroup.OPERATIONAL, UserGroup.ANALYST])
def test_the_page_runs_a_constant_number_of_queries(
    sign_in,
    make_user,
    blaby_officer,
    rutland_officer,
    partnership,
    django_assert_num_queries,
    group,
):
    viewer = make_user("Blaby District Council", group)
    client = sign_in(viewer, purpose=PURPOSE if group == UserGroup.ANALYST else None)
    plant(blaby_officer, partnership.areas["Blaby"], lat=52.58, lng=-1.17)
    with CaptureQueriesContext(connection) as one:
        assert hotspots(client, **PERIOD).status_code == 200

    _plant_many(blaby_officer, rutland_officer, partnership)
    with django_assert_num_queries(len(one.captured_queries)):
        response = hotspots(client, **PERIOD)
    repeats_found = response.context["results"]["repeats"]
    assert all(len(repeats_found[kind].rows) >= 2 for kind in repeats_found)
