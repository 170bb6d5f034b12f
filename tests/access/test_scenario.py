"""The shared scenario agrees with the policy, so tests built on it test something real."""

import pytest

from access import policy
from tests.access.scenario import GROUPS, RECORDS, expect


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("action", ["view", "edit"])
def test_expectations_match_the_policy(scenario, group, record, action):
    user, incident = scenario.user(group), scenario.incidents[record]
    assert policy.can(user, action, incident) is expect(group, record, action)
