"""Erasure leaves nothing of a case behind (issue #24, data protection): not in the history
of records removed before the erasure, not in the audit log's details or justifications,
not in form drafts typed on the case's pages."""

from incidents.models import Incident
from retention import sweep

from .conftest import years_ago
from .no_trace import traces


def test_reasons_for_returning_and_reopening_a_case_go_with_it(plant):
    case = plant(outcome="withdrawn", closed_on=years_ago(3), rework=True)
    reasons = case.typed("Victim not yet told", "She rang again at night")
    assert len(reasons) == 2
    assert set(traces(reasons)) == set(reasons)

    assert sweep.run_sweep().erased == [case.incident.urn]

    assert not Incident.objects.filter(pk=case.incident.pk).exists()
    assert traces(case.secrets + case.markers) == {}
