"""A small world for per-endpoint access tests: one user of each group in Blaby District
Council, and three incidents seen from Blaby:

  in_area      in Blaby, led by Blaby District Council
  out_of_area  in Rutland, led by Rutland County Council (Blaby users must get 404)
  shared       in Rutland, led by Rutland, explicitly shared with Blaby District Council for
               editing

Use with `expect(group, record, action)` for the answer the policy must give. Every new
page and API route should be tested for every group against every record.
"""

from dataclasses import dataclass

import pytest

from access.models import UserGroup
from access.services import share_incident
from incidents.services import log_complaint

GROUPS = list(UserGroup.values)
RECORDS = ["in_area", "out_of_area", "shared"]
# Groups whose users may change a case they can see (analysts only if granted, G2).
EDITORS = {UserGroup.OPERATIONAL, UserGroup.ENHANCED, UserGroup.ADMINISTRATOR}


def expect(group: str, record: str, action: str = "view") -> bool:
    if group == UserGroup.BASIC or record == "out_of_area":
        return False
    if action == "view":
        return True
    if action == "edit":
        return group in EDITORS
    raise ValueError(action)


@dataclass
class Scenario:
    users: dict
    incidents: dict
    rutland_officer: object
    partnership: object

    def user(self, group: str):
        return self.users[group]


@pytest.fixture
def scenario(partnership, make_user) -> Scenario:
    users = {
        group: make_user("Blaby District Council", group, username=f"blaby.{group}")
        for group in GROUPS
    }
    rutland_officer = make_user("Rutland County Council", UserGroup.ENHANCED)
    areas = partnership.areas
    incidents = {
        "in_area": log_complaint(
            by=users[UserGroup.OPERATIONAL], area=areas["Blaby"], description="Noise in Blaby"
        ),
        "out_of_area": log_complaint(
            by=rutland_officer, area=areas["Rutland"], description="Litter in Rutland"
        ),
        "shared": log_complaint(
            by=rutland_officer, area=areas["Rutland"], description="Shared Rutland case"
        ),
    }
    share_incident(
        incidents["shared"],
        by=rutland_officer,
        with_organisation=users[UserGroup.OPERATIONAL].organisation,
        level="edit",
        reason="Joint case with Blaby",
    )
    return Scenario(users, incidents, rutland_officer, partnership)
