"""People for the access scenario (tests/access/scenario.py), added the way users add them.

local   a victim in the in_area incident only
remote  a victim in the out_of_area incident only (Blaby users must get 404)
partner a witness in the shared incident only
both    a perpetrator in both the in_area and the out_of_area incidents
"""

import datetime
from dataclasses import dataclass

import pytest
from faker import Faker

from access.models import UserGroup
from people.models import Involvement, Person
from people.services import involve

fake = Faker("en_GB")


def person_fields(**overrides) -> dict:
    """Invented details for a new person."""
    fields = {
        "given_name": fake.first_name(),
        "family_name": fake.last_name(),
        "date_of_birth": fake.date_of_birth(minimum_age=18, maximum_age=80),
        "postcode": fake.postcode(),
    }
    fields.update(overrides)
    return fields


@dataclass
class People:
    local: Person
    remote: Person
    partner: Person
    both: Person

    def for_record(self, record: str) -> Person:
        return {"in_area": self.local, "out_of_area": self.remote, "shared": self.partner}[record]


@pytest.fixture
def people(scenario) -> People:
    blaby = scenario.user(UserGroup.OPERATIONAL)
    rutland = scenario.rutland_officer
    incidents = scenario.incidents

    def add(incident, by, role, **fields):
        return involve(incident, by=by, role=role, person_fields=person_fields(**fields)).person

    local = add(incidents["in_area"], blaby, Involvement.Role.VICTIM)
    remote = add(incidents["out_of_area"], rutland, Involvement.Role.VICTIM)
    partner = add(incidents["shared"], rutland, Involvement.Role.WITNESS)
    both = add(incidents["in_area"], blaby, Involvement.Role.PERPETRATOR)
    involve(incidents["out_of_area"], by=rutland, role=Involvement.Role.PERPETRATOR, person=both)
    return People(local, remote, partner, both)


@pytest.fixture
def today():
    return datetime.date.today()
