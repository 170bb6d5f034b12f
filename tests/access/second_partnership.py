"""A second partnership in the same deployment (SPEC T6): its own force area, police force,
city council and housing provider, one user of every group in each organisation, and a few
incidents of its own (one of them Confidential). Names are invented for the tests.

    second_partnership.user("operational")             the force's operational user
    second_partnership.user("analyst", "council")      the council's analyst
    second_partnership.incidents["open"]               led by the council, in its city
    second_partnership.incidents["police"]             led by the force, in the district
    second_partnership.incidents["confidential"]       the council's, marked Confidential
"""

from dataclasses import dataclass, field

import pytest

from access.models import Organisation, UserGroup
from access.partnership_files import apply, read_partnership
from incidents.models import Incident
from incidents.services import log_complaint
from people.services import involve
from tests.access.factories import UserFactory

FORCE_AREA = "Northmoor Police force area"
CITY = "Northmoor City"
DISTRICT = "Eastdale"
ORGANISATIONS = {
    # key: (name, kind, areas covered)
    "police": ("Northmoor Constabulary", Organisation.Kind.POLICE, [FORCE_AREA]),
    "council": ("Northmoor City Council", Organisation.Kind.UNITARY, [CITY]),
    "housing": ("Eastdale Homes", Organisation.Kind.HOUSING, [DISTRICT]),
}
# Its partnership file, loaded as a real partnership's is (access/partnership_files.py).
FILE = f"""
areas:
  - {{code: northmoor-force, name: {FORCE_AREA}, kind: force}}
  - {{code: northmoor-city, name: {CITY}, kind: city, parent: northmoor-force}}
  - {{code: eastdale, name: {DISTRICT}, kind: district, parent: northmoor-force}}
organisations:
  - {{code: northmoor-police, name: {ORGANISATIONS["police"][0]}, kind: police,
     covers: [northmoor-force]}}
  - {{code: northmoor-cc, name: {ORGANISATIONS["council"][0]}, kind: unitary,
     covers: [northmoor-city]}}
  - {{code: eastdale-homes, name: {ORGANISATIONS["housing"][0]}, kind: housing,
     covers: [eastdale]}}
"""
# A surname only this partnership's people have, to look for in the other's answers.
SURNAME = "Quenbyholt"


@dataclass
class SecondPartnership:
    areas: dict
    organisations: dict
    users: dict = field(default_factory=dict)
    incidents: dict = field(default_factory=dict)
    people: list = field(default_factory=list)

    def user(self, group: str, organisation: str = "police"):
        return self.users[(organisation, group)]


def build_second_partnership() -> SecondPartnership:
    loaded = apply(read_partnership(FILE), audited=False)
    areas = {name: loaded.areas[name] for name in (FORCE_AREA, CITY, DISTRICT)}
    organisations = {
        key: loaded.organisations[name] for key, (name, _, _) in ORGANISATIONS.items()
    }
    city, district = areas[CITY], areas[DISTRICT]
    world = SecondPartnership(areas=areas, organisations=organisations)
    for key, organisation in organisations.items():
        for group in UserGroup.values:
            world.users[(key, group)] = UserFactory(
                organisation=organisation, group=group, username=f"northmoor.{key}.{group}"
            )
    council = world.user(UserGroup.OPERATIONAL, "council")
    officer = world.user(UserGroup.OPERATIONAL, "police")
    world.incidents["open"] = log_complaint(
        by=council, area=city, description="Northmoor graffiti on the bus shelter"
    )
    world.incidents["police"] = log_complaint(
        by=officer, area=district, description="Northmoor motorbikes on the green"
    )
    world.incidents["confidential"] = log_complaint(
        by=council,
        area=city,
        description="Northmoor confidential harassment",
        marking=Incident.Marking.CONFIDENTIAL,
    )
    for name, incident in world.incidents.items():
        by = officer if name == "police" else council
        involvement = involve(
            incident,
            by=by,
            role="victim",
            person_fields={"given_name": f"Ada{name.title()}", "family_name": SURNAME},
        )
        world.people.append(involvement.person)
    return world


@pytest.fixture
def second_partnership(partnership) -> SecondPartnership:
    """The example partnership and, beside it, a second one."""
    return build_second_partnership()
