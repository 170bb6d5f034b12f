"""A partnership from a file (issue #18 part 2): `manage.py load_partnership FILE`.

Every bad file is refused as a whole, with a message naming its line, and nothing written;
a good one loads with history and audit events; loading it again changes nothing; a changed
file updates; `--dry-run` writes nothing. The Humber partnership (access/partnerships/
humber.yaml) loads beside the example one, and its users see only their own areas.
"""

import importlib
import json
from io import StringIO

import pytest
import yaml
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import CharField, Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext

from access import policy
from access.models import Area, Jurisdiction, Organisation, User, UserGroup
from access.partnership import EXAMPLE_FILE, build_partnership
from access.partnership_files import PartnershipFileError, apply, read_partnership
from audit.models import AuditEvent
from incidents.models import Incident
from incidents.services import log_complaint
from tests.access.factories import UserFactory

HUMBER_FILE = EXAMPLE_FILE.parent / "humber.yaml"
HUMBER = HUMBER_FILE.read_text(encoding="utf-8")

GOOD = """\
areas:
  - {code: vale, name: Vale of Tessel force area, kind: force}
  - {code: tessel, name: Tessel, kind: unitary, parent: vale}
  - {code: brindle, name: Brindle, kind: unitary, parent: vale}
organisations:
  - code: vale-police
    name: Vale of Tessel Police
    kind: police
    covers: [vale]
    designated_officer: vp.ashdown
    nominated_representative: vp.ashdown
    administrators:
      - {username: vp.ashdown, first_name: Petra, last_name: Ashdown,
         email: petra.ashdown@example.invalid, training_level: 2}
  - {code: tessel-c, name: Tessel Council, kind: unitary, covers: [tessel]}
"""


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Area, Organisation, Jurisdiction, User, AuditEvent)
    } | {
        "area history": Area.history.count(),
        "organisation history": Organisation.history.count(),
    }


def _load(path, *args) -> str:
    out = StringIO()
    call_command("load_partnership", str(path), *args, stdout=out, stderr=out)
    return out.getvalue()


def _write(tmp_path, text: str, name: str = "partnership.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# Each bad file: (what is wrong, the file, the message expected for it).
BAD_FILES = {
    "unknown parent area": (
        GOOD.replace("parent: vale}\n  - {code: brindle", "parent: nowhere}\n  - {code: brindle"),
        "line 3: area 'tessel' has an unknown parent area 'nowhere'.",
    ),
    "a cycle": (
        GOOD.replace("kind: force}", "kind: force, parent: brindle}"),
        "line 2: the areas' parents form a cycle (vale → brindle → vale).",
    ),
    "duplicate area codes": (
        GOOD.replace("{code: brindle", "{code: tessel"),
        "line 4: duplicate area code 'tessel' (also on line 3).",
    ),
    "duplicate organisation codes": (
        GOOD.replace("code: tessel-c", "code: vale-police"),
        "line 15: duplicate organisation code 'vale-police' (also on line 6).",
    ),
    "a jurisdiction on an unknown area": (
        GOOD.replace("covers: [tessel]", "covers: [tessel, atlantis]"),
        "line 15: organisation 'tessel-c' covers an unknown area 'atlantis'.",
    ),
    "an administrator below training level 2": (
        GOOD.replace("training_level: 2", "training_level: 1"),
        "line 13: user 'vp.ashdown' is an administrator with training level 1: An "
        "administrator must have completed training level 2 or 3.",
    ),
    "a contact who is not the organisation's user": (
        GOOD.replace("designated_officer: vp.ashdown", "designated_officer: nobody.here"),
        "line 6: the designated officer 'nobody.here' is not a user of Vale of Tessel Police",
    ),
    "an unknown kind": (
        GOOD.replace("kind: unitary, covers", "kind: parish, covers"),
        "line 15: unknown organisation kind 'parish'",
    ),
    "a date that is not one": (
        GOOD.replace(
            "kind: police\n",
            "kind: police\n    information_sharing_agreement_signed: 2026-13-01\n",
        ),
        "line 6: the information sharing agreement signed must be a date such as 2026-04-01.",
    ),
    "a list as a field name": (
        GOOD.replace("  - {code: tessel-c,", "  - {[code]: x, code: tessel-c,"),
        "line 15: unknown field \"['code']\"",
    ),
    "not YAML at all": ("areas: [\n  {code: x", "line 2: this is not valid YAML or JSON"),
}


@pytest.mark.parametrize("problem", list(BAD_FILES))
def test_a_bad_file_is_refused_with_its_line_and_nothing_is_written(
    problem, partnership, tmp_path
):
    text, message = BAD_FILES[problem]
    before = _counts()
    with pytest.raises(CommandError, match="nothing was written"):
        _load(_write(tmp_path, text))
    with pytest.raises(PartnershipFileError) as refused:
        read_partnership(text)
    assert any(found.startswith(message) for found in refused.value.messages), (
        refused.value.messages
    )
    assert _counts() == before


def test_every_problem_of_a_file_is_reported_at_once(db):
    text = GOOD.replace("{code: brindle", "{code: tessel").replace(
        "covers: [tessel]", "covers: [atlantis]"
    )
    with pytest.raises(PartnershipFileError) as refused:
        read_partnership(text)
    assert len(refused.value.messages) == 2


def test_a_json_file_loads_and_its_problems_name_their_line(db, tmp_path):
    data = yaml.safe_load(GOOD)
    path = _write(tmp_path, json.dumps(data, indent=2), "partnership.json")
    assert "create organisation Tessel Council (tessel-c)" in _load(path)
    assert Organisation.objects.get(code="tessel-c").jurisdiction.get().code == "tessel"

    data["areas"][1]["parent"] = "nowhere"
    with pytest.raises(PartnershipFileError) as refused:
        read_partnership(json.dumps(data, indent=2))
    # The second area's mapping opens on line 8 of the indented JSON.
    assert refused.value.messages == [
        "line 8: area 'tessel' has an unknown parent area 'nowhere'."
    ]


def test_an_area_or_organisation_name_already_taken_under_another_code_is_refused(partnership):
    text = GOOD.replace("name: Tessel Council", "name: Blaby District Council").replace(
        "name: Brindle", "name: Rutland"
    )
    with pytest.raises(PartnershipFileError) as refused:
        read_partnership(text)
    assert refused.value.messages == [
        "line 4: an area named 'Rutland' already exists (code 'rutland').",
        "line 15: an organisation named 'Blaby District Council' already exists "
        "(code 'blaby-dc').",
    ]


def test_a_username_of_another_organisation_is_refused(partnership, make_user):
    make_user("Blaby District Council", UserGroup.OPERATIONAL, username="vp.ashdown")
    with pytest.raises(PartnershipFileError) as refused:
        read_partnership(GOOD)
    assert refused.value.messages == [
        "line 13: the username 'vp.ashdown' is taken by a user of Blaby District Council."
    ]


def test_the_humber_partnership_loads_beside_the_example_one(partnership, tmp_path):
    output = _load(HUMBER_FILE)

    police = Organisation.objects.get(code="humberside-police")
    assert police.name == "Humberside Police"
    assert police.kind == Organisation.Kind.POLICE
    assert str(police.information_sharing_agreement_signed) == "2026-09-14"
    assert police.code_of_connection_version == "2.1"
    assert police.designated_officer.username == "hp.okafor"
    assert police.nominated_representative.username == "hp.lindqvist"
    assert Organisation.objects.get(code="humberside-fire").kind == Organisation.Kind.FIRE
    housing = Organisation.objects.get(name="Humber Riverside Homes")
    assert set(housing.jurisdiction.values_list("code", flat=True)) == {"hull", "east-riding"}
    # First administrators: disabled, without a password, until an administrator enables
    # them once their code of connection is signed (M1, G4); the command says so.
    admins = User.objects.filter(organisation__code__in=["humberside-police", "hull-cc"])
    assert {user.username for user in admins} == {"hp.okafor", "hp.lindqvist", "hull.brennan"}
    assert all(
        not user.is_active
        and not user.has_usable_password()
        and user.group == UserGroup.ADMINISTRATOR
        for user in admins
    )
    assert "disabled and have no password" in output
    # History rows and audit events for what was created.
    assert Organisation.history.filter(code="humberside-police", history_type="+").count() == 1
    assert Area.history.filter(code="hull", history_type="+").count() == 1
    events = AuditEvent.objects.filter(details__partnership_file=True)
    assert events.filter(event_type=AuditEvent.Type.REFERENCE_CHANGED).count() == 5 + 8
    assert events.filter(event_type=AuditEvent.Type.USER_CREATED).count() == 4
    assert events.filter(target_type="organisation", target_id=str(housing.pk)).get().details[
        "covers_added"
    ] == ["east-riding", "hull"]
    # The example partnership is untouched.
    assert Organisation.objects.get(name="Leicestershire Police").jurisdiction.get().code == (
        "leics-force"
    )


def test_loading_the_same_file_again_changes_nothing_and_says_so(partnership):
    _load(HUMBER_FILE)
    before = _counts()
    assert "Nothing to change" in _load(HUMBER_FILE)
    assert _counts() == before


def test_a_changed_file_updates_names_kinds_contacts_and_jurisdictions(partnership, tmp_path):
    _load(HUMBER_FILE)
    changed = (
        HUMBER.replace("name: Humber Riverside Homes", "name: Humber Riverside Housing")
        .replace("covers: [hull, east-riding]", "covers: [hull, north-lincs]")
        .replace("kind: youth_offending", "kind: voluntary")
        .replace("nominated_representative: hp.lindqvist", "nominated_representative: hp.okafor")
        .replace("{code: hull, name: Kingston upon Hull", "{code: hull, name: Hull")
    )
    housing = Organisation.objects.get(code="riverside-homes")
    before = _counts()
    output = _load(_write(tmp_path, changed))

    assert "update organisation Humber Riverside Housing (riverside-homes): name" in output
    housing.refresh_from_db()
    assert housing.name == "Humber Riverside Housing"
    assert set(housing.jurisdiction.values_list("code", flat=True)) == {"hull", "north-lincs"}
    assert Organisation.objects.get(code="hull-youth-justice").kind == "voluntary"
    police = Organisation.objects.get(code="humberside-police")
    assert police.nominated_representative.username == "hp.okafor"
    assert Area.objects.get(code="hull").name == "Hull"
    after = _counts()
    # Nothing duplicated; a history row for each change; the jurisdiction change audited.
    for model in ("Area", "Organisation", "Jurisdiction", "User"):
        assert after[model] == before[model], model
    assert after["organisation history"] == before["organisation history"] + 3
    assert after["area history"] == before["area history"] + 1
    event = AuditEvent.objects.filter(target_type="organisation", target_id=str(housing.pk))
    assert event.latest("sequence").details == {
        "partnership_file": True,
        "change": "updated",
        "code": "riverside-homes",
        "fields": ["name"],
        "covers_added": ["north-lincs"],
        "covers_removed": ["east-riding"],
    }


def test_an_area_with_records_is_never_deleted(partnership, tmp_path):
    _load(HUMBER_FILE)
    officer = UserFactory(
        organisation=Organisation.objects.get(code="humberside-police"), group="operational"
    )
    log_complaint(
        by=officer, area=Area.objects.get(code="ne-lincs"), description="Quad bikes on the dunes"
    )
    without = HUMBER.replace(
        "  - {code: ne-lincs, name: North East Lincolnshire, kind: unitary, parent: "
        "humberside-force}\n",
        "",
    ).replace("covers: [ne-lincs]", "covers: []")
    before = _counts()
    with pytest.raises(PartnershipFileError) as refused:
        read_partnership(without)
    assert refused.value.messages == [
        "line 1: area 'North East Lincolnshire' (ne-lincs) is not in the file but has "
        "records: an area with records is never deleted; put it back in the file."
    ]
    with pytest.raises(CommandError):
        _load(_write(tmp_path, without))
    assert _counts() == before

    # An area nothing refers to but the file's own jurisdictions goes when left out.
    no_north_lincs = HUMBER.replace(
        "  - {code: north-lincs, name: North Lincolnshire, kind: unitary, parent: "
        "humberside-force}\n",
        "",
    ).replace("covers: [north-lincs]", "covers: []")
    assert "delete area North Lincolnshire (north-lincs)" in _load(
        _write(tmp_path, no_north_lincs)
    )
    assert not Area.objects.filter(code="north-lincs").exists()
    assert Area.objects.get(code="humberside-force").numchild == 3


def test_moving_an_area_to_another_parent_is_refused(partnership):
    _load(HUMBER_FILE)
    moved = HUMBER.replace(
        "{code: hull, name: Kingston upon Hull, kind: city, parent: humberside-force}",
        "{code: hull, name: Kingston upon Hull, kind: city, parent: east-riding}",
    )
    with pytest.raises(PartnershipFileError) as refused:
        read_partnership(moved)
    assert refused.value.messages[0].startswith(
        "line 9: area 'hull' is under 'humberside-force' in the database: moving an area"
    )


def test_a_dry_run_says_what_would_change_and_writes_nothing(partnership):
    before = _counts()
    output = _load(HUMBER_FILE, "--dry-run")
    assert "Would change (dry run, nothing written):" in output
    assert "  create organisation Humberside Police (humberside-police)" in output
    assert "  create area Kingston upon Hull (hull)" in output
    assert "  Humber Riverside Homes covers area east-riding" in output
    assert "  create administrator hull.brennan of Hull City Council" in output
    assert _counts() == before


def test_an_administrator_loading_the_file_creates_the_administrators_through_the_service(
    partnership, make_user
):
    host = make_user(
        "Leicestershire Police", UserGroup.ADMINISTRATOR, manages_all_organisations=True
    )
    _load(HUMBER_FILE, "--by", host.username)
    created = AuditEvent.objects.filter(event_type=AuditEvent.Type.USER_CREATED, actor=host)
    assert created.count() == 4
    assert Organisation.history.filter(code="hull-cc").first().history_user == host


def test_humber_users_see_only_their_own_areas_and_cases(partnership, make_user):
    _load(HUMBER_FILE)
    humber_areas = {
        "Kingston upon Hull",
        "East Riding of Yorkshire",
        "North Lincolnshire",
        "North East Lincolnshire",
    }
    hull = UserFactory(organisation=Organisation.objects.get(code="hull-cc"), group="operational")
    police = UserFactory(
        organisation=Organisation.objects.get(code="humberside-police"), group="operational"
    )
    leicestershire = make_user("Leicestershire Police", UserGroup.OPERATIONAL)
    assert set(policy.recording_areas(hull).values_list("name", flat=True)) == humber_areas
    assert set(policy.recording_areas(police).values_list("name", flat=True)) == humber_areas
    assert not set(policy.recording_areas(leicestershire).values_list("name", flat=True)) & (
        humber_areas
    )
    in_hull = log_complaint(by=hull, area=Area.objects.get(code="hull"), description="Graffiti")
    in_blaby = log_complaint(
        by=leicestershire, area=partnership.areas["Blaby"], description="Noise"
    )
    assert set(Incident.objects.for_user(police, "view")) == {in_hull}
    assert set(Incident.objects.for_user(hull, "view")) == {in_hull}
    assert in_hull not in Incident.objects.for_user(leicestershire, "view")
    assert in_blaby in Incident.objects.for_user(leicestershire, "view")


def test_the_example_partnership_is_loaded_from_its_file_in_a_handful_of_queries(db):
    with CaptureQueriesContext(connection) as queries:
        partnership = build_partnership()
    # Built for every test: the bulk loads keep it to a few queries (16 before the file).
    assert len(queries.captured_queries) <= 20
    assert len(partnership.organisations) == 12
    assert Organisation.objects.get(code="leics-police").name == "Leicestershire Police"
    assert {area.code for area in Area.objects.all()} >= {"leics-force", "blaby", "rutland"}
    assert Area.history.count() == 11 and Organisation.history.count() == 12


def test_a_database_holding_the_example_partnership_matches_its_file_once_migrated(db):
    """Migration access/0006 gives the example partnership's existing rows the codes of its
    file, so that loading the file on such a database changes nothing."""
    migration = importlib.import_module("access.migrations.0006_partnership_codes_and_contacts")
    build_partnership()
    apply(read_partnership(GOOD), audited=False)  # a partnership not in the file
    extra = Organisation.objects.get(name="Tessel Council")
    Area.objects.update(code=Concat(Value("old-"), "pk", output_field=CharField()))
    Organisation.objects.update(code=Concat(Value("old-"), "pk", output_field=CharField()))

    migration.fill_codes(django_apps, None)

    assert read_partnership(EXAMPLE_FILE.read_text(encoding="utf-8")).changes == []
    extra.refresh_from_db()
    assert extra.code == "tessel-council"


def test_only_an_enabled_deployment_wide_administrator_may_load_a_file_as_themselves(
    partnership, make_user
):
    own_only = make_user("Blaby District Council", UserGroup.ADMINISTRATOR)
    before = _counts()
    for username in (own_only.username, "nobody.at.all"):
        with pytest.raises(CommandError, match="not an enabled deployment-wide administrator"):
            _load(HUMBER_FILE, "--by", username)
    assert _counts() == before
