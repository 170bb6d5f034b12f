"""The access matrix: who may list, view, edit and close which incident.

The expected answers are written out below as a table, so that a reader can check them
against the rules in docs/access-model.md (and V1-V6, G1-G4 in docs/requirements.md). Each
row is a user (organisation . group); each column is a record, placed relative to that user:

  own           created by this user, in Rutland, since handed to Rutland County Council
  blaby         in Blaby, led by Blaby District Council        (the district user's own district)
  charnwood     in Charnwood, led by Charnwood Borough Council (another district in the county)
  city          in Leicester City, led by Leicester City Council
  rutland       in Rutland, led by Rutland County Council      (the unitary)
  police_led    in Melton, led by Leicestershire Police
  shared_user   in Rutland, led by Rutland; shared with this user to view
  shared_org    in Rutland, led by Rutland; shared with this user's organisation to edit
  confidential  in Blaby, led by Blaby District Council, marked Confidential
  tasked        in Rutland, led by Rutland; an open task on it is assigned to this user
  task_done     in Rutland, led by Rutland; this user's task on it is done (access ends)

Every record is awaiting closure, so that "close" is a live question. A cell lists what the
user may do: V = see it in lists and open it, E = edit it, C = approve or return its
closure; "-" = nothing (and the record answers 404).

Users: northmoor = Northmoor Constabulary, the police force of a second partnership in the same
deployment (only what is shared with them, tasked to them or created by them reaches them);
humber = Humberside Police, of a third partnership loaded from its file, the same;
police = Leicestershire Police (covers the force area), county = Leicestershire County
Council (the seven districts), district = Blaby District Council (Blaby), city = Leicester
City Council (the City), housing = Charnwood Neighbourhood Housing (Charnwood). The row
district.analyst+ is an analyst granted add/amend rights (G2).

Each row is checked four ways against the same table: the policy's list querysets, the
policy's per-object answers, the web pages (list and detail) and the API (list and detail).
"""

import pytest
from django.urls import reverse

from access import policy
from access.models import Organisation, UserGroup
from access.partnership import EXAMPLE_FILE
from access.partnership_files import apply, read_partnership
from access.services import share_incident
from incidents.models import Incident, Task
from tests.access.factories import UserFactory
from tests.incidents.factories import IncidentFactory, TaskFactory

MATRIX = """
user                   own blaby charnwood city rutland police_led shared_user shared_org confidential tasked task_done
police.basic           -   -     -         -    -       -          -           -          -            -      -
police.operational     VE  VE    VE        VE   VE      VE         VE          VE         -            VE     VE
police.enhanced        VE  VE    VE        VE   VE      VEC        VE          VE         -            VE     VE
police.analyst         V   V     V         V    V       V          V           V          -            V      V
police.administrator   VE  VE    VE        VE   VE      VEC        VE          VE         -            VE     VE
county.basic           -   -     -         -    -       -          -           -          -            -      -
county.operational     VE  VE    VE        -    -       VE         V           VE         -            VE     -
county.enhanced        VE  VE    VE        -    -       VE         V           VE         -            VE     -
county.analyst         V   V     V         -    -       V          V           V          -            V      -
county.administrator   VE  VE    VE        -    -       VE         V           VE         -            VE     -
district.basic         -   -     -         -    -       -          -           -          -            -      -
district.operational   VE  VE    -         -    -       -          V           VE         VE           VE     -
district.enhanced      VE  VEC   -         -    -       -          V           VE         VEC          VE     -
district.analyst       V   V     -         -    -       -          V           V          V            V      -
district.analyst+      VE  VE    -         -    -       -          V           VE         VE           VE     -
district.administrator VE  VEC   -         -    -       -          V           VE         VEC          VE     -
city.basic             -   -     -         -    -       -          -           -          -            -      -
city.operational       VE  -     -         VE   -       -          V           VE         -            VE     -
city.enhanced          VE  -     -         VEC  -       -          V           VE         -            VE     -
city.analyst           V   -     -         V    -       -          V           V          -            V      -
city.administrator     VE  -     -         VEC  -       -          V           VE         -            VE     -
housing.basic          -   -     -         -    -       -          -           -          -            -      -
housing.operational    VE  -     VE        -    -       -          V           VE         -            VE     -
housing.enhanced       VE  -     VE        -    -       -          V           VE         -            VE     -
housing.analyst        V   -     V         -    -       -          V           V          -            V      -
housing.administrator  VE  -     VE        -    -       -          V           VE         -            VE     -
northmoor.basic        -   -     -         -    -       -          -           -          -            -      -
northmoor.operational  VE  -     -         -    -       -          V           VE         -            VE     -
northmoor.enhanced     VE  -     -         -    -       -          V           VE         -            VE     -
northmoor.analyst      V   -     -         -    -       -          V           V          -            V      -
northmoor.administrator VE -     -         -    -       -          V           VE         -            VE     -
humber.basic           -   -     -         -    -       -          -           -          -            -      -
humber.operational     VE  -     -         -    -       -          V           VE         -            VE     -
humber.enhanced        VE  -     -         -    -       -          V           VE         -            VE     -
humber.analyst         V   -     -         -    -       -          V           V          -            V      -
humber.administrator   VE  -     -         -    -       -          V           VE         -            VE     -
"""

ORGANISATIONS = {
    "police": "Leicestershire Police",
    "county": "Leicestershire County Council",
    "district": "Blaby District Council",
    "city": "Leicester City Council",
    "housing": "Charnwood Neighbourhood Housing",
    # The police force of a second partnership in the same deployment (T6): only explicit
    # shares, tasks and what its user created ever reach it (tests/access/second_partnership).
    "northmoor": "Northmoor Constabulary",
    # The police force of a third, loaded from its partnership file
    # (access/partnerships/humber.yaml) the way a real partnership sets itself up.
    "humber": "Humberside Police",
}
HUMBER_FILE = EXAMPLE_FILE.parent / "humber.yaml"
ACTIONS = {"V": policy.Action.VIEW, "E": policy.Action.EDIT, "C": policy.Action.CLOSE}


def _parse(table: str):
    header, *rows = [line.split() for line in table.strip().splitlines()]
    records = header[1:]
    return records, {row[0]: dict(zip(records, row[1:], strict=True)) for row in rows}


RECORDS, EXPECTED = _parse(MATRIX)


def test_the_table_covers_every_group_in_every_kind_of_organisation():
    for short in ORGANISATIONS:
        for group in UserGroup.values:
            assert f"{short}.{group}" in EXPECTED


@pytest.fixture
def others(make_user):
    """Colleagues who create and lead the records the user under test looks at."""
    return {
        "blaby": make_user("Blaby District Council", UserGroup.OPERATIONAL),
        "charnwood": make_user("Charnwood Borough Council", UserGroup.OPERATIONAL),
        "city": make_user("Leicester City Council", UserGroup.OPERATIONAL),
        "rutland": make_user("Rutland County Council", UserGroup.OPERATIONAL),
        "rutland_manager": make_user("Rutland County Council", UserGroup.ENHANCED),
        "police": make_user("Leicestershire Police", UserGroup.OPERATIONAL),
    }


def _user_under_test(row: str, make_user, second_partnership):
    short, group = row.split(".")
    grant = group.endswith("+")
    if short == "northmoor":
        return UserFactory(
            organisation=second_partnership.organisations["police"],
            group=group.rstrip("+"),
            analyst_can_add_and_amend=grant,
        )
    if short == "humber":
        apply(read_partnership(HUMBER_FILE.read_text(encoding="utf-8")), audited=False)
        return UserFactory(
            organisation=Organisation.objects.get(name=ORGANISATIONS[short]),
            group=group.rstrip("+"),
            analyst_can_add_and_amend=grant,
        )
    return make_user(ORGANISATIONS[short], group.rstrip("+"), analyst_can_add_and_amend=grant)


def _records_for(user, partnership, others) -> dict[str, Incident]:
    areas = partnership.areas
    submitted = Incident.Status.SUBMITTED

    def led_by(colleague, area, **fields):
        return IncidentFactory(created_by=colleague, area=areas[area], status=submitted, **fields)

    records = {
        "own": IncidentFactory(
            created_by=user,
            lead_officer=others["rutland"],
            lead_organisation=others["rutland"].organisation,
            area=areas["Rutland"],
            status=submitted,
        ),
        "blaby": led_by(others["blaby"], "Blaby"),
        "charnwood": led_by(others["charnwood"], "Charnwood"),
        "city": led_by(others["city"], "Leicester City"),
        "rutland": led_by(others["rutland"], "Rutland"),
        "police_led": led_by(others["police"], "Melton"),
        "shared_user": led_by(others["rutland"], "Rutland"),
        "shared_org": led_by(others["rutland"], "Rutland"),
        "confidential": led_by(others["blaby"], "Blaby", marking=Incident.Marking.CONFIDENTIAL),
    }
    share_incident(
        records["shared_user"],
        by=others["rutland_manager"],
        with_user=user,
        level="view",
        reason="Joint visit planned",
    )
    share_incident(
        records["shared_org"],
        by=others["rutland_manager"],
        with_organisation=user.organisation,
        level="edit",
        reason="Perpetrator is their tenant",
    )
    for name, status in (("tasked", Task.Status.OPEN), ("task_done", Task.Status.DONE)):
        records[name] = led_by(others["rutland"], "Rutland")
        TaskFactory(
            incident=records[name],
            assigned_to=user,
            assigned_by=others["rutland_manager"],
            status=status,
        )
    for name, status in (("tasked", Task.Status.OPEN), ("task_done", Task.Status.DONE)):
        records[name] = led_by(others["rutland"], "Rutland")
        TaskFactory(
            incident=records[name],
            assigned_to=user,
            assigned_by=others["rutland_manager"],
            status=status,
        )
    return records


def _letters(allowed: dict[str, bool]) -> str:
    return "".join(letter for letter in "VEC" if allowed[letter]) or "-"


@pytest.mark.parametrize("row", list(EXPECTED))
def test_access_matrix(row, partnership, make_user, others, client, second_partnership):
    user = _user_under_test(row, make_user, second_partnership)
    records = _records_for(user, partnership, others)
    expected = EXPECTED[row]

    # 1. The policy's querysets (what every list is built from).
    listed = {
        letter: set(Incident.objects.for_user(user, action).values_list("urn", flat=True))
        for letter, action in ACTIONS.items()
    }
    from_lists = {
        name: _letters({letter: record.urn in listed[letter] for letter in ACTIONS})
        for name, record in records.items()
    }
    assert from_lists == expected, f"{row}: policy lists disagree with the table"

    # 2. The policy's per-object answers.
    per_object = {
        name: _letters(
            {letter: policy.can(user, action, record) for letter, action in ACTIONS.items()}
        )
        for name, record in records.items()
    }
    assert per_object == expected, f"{row}: per-object answers disagree with the table"

    # 3. The web pages and 4. the API: listed and opened exactly when V, else 404.
    client.force_login(user)
    home = client.get(reverse("home")).content.decode()
    api_list = client.get("/api/v1/incidents/?page_size=100").json()
    api_urns = {item["urn"] for item in api_list["results"]}
    for name, record in records.items():
        visible = "V" in expected[name]
        assert (record.urn in home) is visible, f"{row}: home list, record {name}"
        assert (record.urn in api_urns) is visible, f"{row}: API list, record {name}"
        page = client.get(reverse("incident-detail", args=[record.urn]))
        assert page.status_code == (200 if visible else 404), f"{row}: page {name}"
        api = client.get(f"/api/v1/incidents/{record.urn}/")
        assert api.status_code == (200 if visible else 404), f"{row}: API {name}"
