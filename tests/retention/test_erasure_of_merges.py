"""Erasing a case in which a duplicate record of a person had been merged (issue #24, item
1): the folded involvement's history rows go with the case, even when the person it was
folded into stays, and the merge's audit event never held the notes or the reason."""

from people.merging import undo_merge
from people.models import Involvement, Person
from retention import sweep

from .conftest import years_ago
from .no_trace import traces, where_found

# What the duplicate's involvement and the merge said (tests/retention/planting.py).
FOLDED_NOTES = ("Partner controls her phone", "Needs a female officer")
MERGE_REASON = "Same woman, maiden name on the second record"


def test_a_merged_duplicates_folded_notes_and_the_merge_reason_go_with_the_case(
    plant, administrator
):
    case = plant(outcome="withdrawn", closed_on=years_ago(3), merged_by=administrator)
    folded_notes = case.typed(*FOLDED_NOTES)
    # Before: the folded involvement's notes are in its history rows, and nowhere live.
    for notes in folded_notes:
        assert "people_historicalinvolvement" in where_found(notes)
        assert "people_involvement" not in where_found(notes)
    assert set(traces(case.secrets)) == set(case.secrets)

    assert sweep.run_sweep().erased == [case.incident.urn]

    assert traces(case.secrets + case.markers) == {}
    assert len(folded_notes) == 2 and len(case.typed(MERGE_REASON)) == 1


def test_the_history_of_a_folded_involvement_goes_even_when_the_person_stays(plant, administrator):
    kept_case = plant(outcome="resolved", closed_on=years_ago(1))
    victim = kept_case.people[0]
    # The other case's victim was a witness here too, recorded twice: the duplicate record
    # is merged into theirs, and its involvement here folded into theirs.
    case = plant(
        outcome="withdrawn",
        closed_on=years_ago(3),
        also_involve=victim,
        merged_by=administrator,
        merge_into_witness=True,
    )
    folded_notes = case.typed(*FOLDED_NOTES)
    folded = Involvement.history.filter(incident_id=case.incident.pk, history_type="-")
    assert folded.exists()

    assert sweep.run_sweep().erased == [case.incident.urn]

    assert Person.objects.filter(pk=victim.pk).exists()
    assert not Involvement.history.filter(incident_id=case.incident.pk).exists()
    assert traces(folded_notes) == {}
    assert set(traces(kept_case.secrets)) == set(kept_case.secrets)


def test_a_merge_can_still_be_undone_after_a_case_it_touched_was_erased(plant, administrator):
    kept_case = plant(outcome="resolved", closed_on=years_ago(1))
    victim = kept_case.people[0]
    case = plant(
        outcome="withdrawn",
        closed_on=years_ago(3),
        also_involve=victim,
        merged_by=administrator,
        merge_into_witness=True,
    )
    duplicate = Person.objects.get(merged_into=victim)
    assert sweep.run_sweep().erased == [case.incident.urn]

    undo_merge(duplicate, by=administrator, reason="Two different people after all")

    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
    # Its part in the erased case went with the case: nothing is recreated there.
    assert not duplicate.involvements.exists()
    assert not Involvement.objects.filter(incident_id=case.incident.pk).exists()
