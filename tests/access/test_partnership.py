"""The example partnership matches docs/access-model.md: each organisation covers what it
should."""

import pytest

from access.partnership import DISTRICTS
from access.policy import covered_areas

ALL_LEAVES = {*DISTRICTS, "Leicester City", "Rutland"}


@pytest.mark.parametrize(
    ("organisation", "leaves"),
    [
        ("Leicestershire Police", ALL_LEAVES),
        ("Leicestershire County Council", set(DISTRICTS)),
        ("Leicester City Council", {"Leicester City"}),
        ("Rutland County Council", {"Rutland"}),
        ("Blaby District Council", {"Blaby"}),
        ("Oadby and Wigston Borough Council", {"Oadby and Wigston"}),
        ("Charnwood Neighbourhood Housing", {"Charnwood"}),
    ],
)
def test_jurisdiction_covers_the_right_areas(partnership, organisation, leaves):
    covered = covered_areas(partnership.organisations[organisation]).filter(numchild=0)
    assert set(covered.values_list("name", flat=True)) == leaves


def test_every_incident_area_is_a_leaf(partnership):
    assert {a.name for a in partnership.leaf_areas()} == ALL_LEAVES
