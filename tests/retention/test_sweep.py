"""The retention sweep (SPEC D2, D5; issue #7): what it erases leaves no trace, what it must
keep it keeps, and it is safe to run twice and to interrupt."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from access.models import FormDraft
from audit.models import AuditEvent
from incidents.models import Incident, WorkingSheetEntry
from incidents.services import log_complaint
from incidents.services.worksheet import add_entry
from people.models import Involvement, Person
from people.services import involve, update_person
from retention import erasure, sweep
from retention.models import ErasedIncident, IncidentRetention, PendingFileDeletion
from retention.services import set_legal_hold

from .conftest import years_ago
from .no_trace import row_counts, traces, where_found


def test_an_erased_incident_leaves_no_trace_anywhere(plant, officer, documents_root):
    # Withdrawn complaints are deleted automatically two years after closure.
    erased = plant(outcome="withdrawn", closed_on=years_ago(3))
    kept = plant(outcome="withdrawn", closed_on=years_ago(1))
    FormDraft.objects.create(
        user=officer,
        path=f"/incidents/{erased.incident.urn}/entries/add/",
        form_key="entry",
        data={"text": erased.secrets[0]},
    )
    # The scan can fail: before the sweep, every secret is found, in the expected places.
    assert set(traces(erased.secrets + erased.markers)) == set(erased.secrets + erased.markers)
    assert "people_person" in where_found(erased.people[0].family_name)
    assert "people_historicalperson" in where_found(erased.people[0].family_name)
    assert "incidents_incident" in where_found(erased.markers[0])  # the search vector too
    assert all(Path(path).exists() for path in erased.document_paths)

    result = sweep.run_sweep()

    assert result.erased == [erased.incident.urn]
    assert traces(erased.secrets + erased.markers) == {}
    assert not any(Path(path).exists() for path in erased.document_paths)
    assert not PendingFileDeletion.objects.exists()
    assert not Person.objects.filter(pk__in=[p.pk for p in erased.people]).exists()
    # The other case is untouched.
    assert set(traces(kept.secrets)) == set(kept.secrets)
    assert all(Path(path).exists() for path in kept.document_paths)
    # What remains: a tombstone and an audit event, neither holding personal data.
    tombstone = ErasedIncident.objects.get(urn=erased.incident.urn)
    assert tombstone.decided == ErasedIncident.DecidedBy.SWEEP
    assert tombstone.rule_name == "Withdrawn complaints"
    assert tombstone.people_erased == 2
    assert tombstone.documents_erased == 1
    assert tombstone.closed_at == erased.incident.closed_at
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.INCIDENT_ERASED)
    assert (event.target_type, event.target_id) == ("incident", erased.incident.urn)
    assert event.organisation_id == erased.incident.lead_organisation_id
    assert event.details["people_erased"] == 2
    # The audit trail of the case itself is kept (SPEC §17), without the erased data.
    assert AuditEvent.objects.filter(target_id=erased.incident.urn).count() > 5


def test_a_person_still_in_another_case_is_kept(plant):
    other = plant(outcome="resolved", closed_on=years_ago(1))
    shared_person = other.people[0]
    erased = plant(outcome="withdrawn", closed_on=years_ago(3), also_involve=shared_person)

    assert sweep.run_sweep().erased == [erased.incident.urn]

    assert Person.objects.filter(pk=shared_person.pk).exists()
    assert ErasedIncident.objects.get(urn=erased.incident.urn).people_erased == 2
    assert shared_person.involvements.count() == 1


def test_review_flagged_and_held_cases_survive(plant, manager):
    review = plant(outcome="resolved", closed_on=years_ago(7))  # the default rule: review
    held = plant(outcome="withdrawn", closed_on=years_ago(3))
    set_legal_hold(held.incident, by=manager, hold=True, reason="Civil claim pending")
    not_due = plant(outcome="withdrawn", closed_on=years_ago(1))

    result = sweep.run_sweep()

    assert result.erased == []
    assert result.queued == [review.incident.urn]
    assert (
        Incident.objects.filter(
            pk__in=[review.incident.pk, held.incident.pk, not_due.incident.pk]
        ).count()
        == 3
    )
    assert IncidentRetention.objects.get(incident=review.incident).review == "queued"
    assert set(traces(held.secrets)) == set(held.secrets)


def test_a_case_changed_after_selection_survives(plant, officer, monkeypatch):
    changed = plant(outcome="withdrawn", closed_on=years_ago(3))
    untouched = plant(outcome="withdrawn", closed_on=years_ago(3))
    real_erase = sweep.erase_incidents

    def someone_edits_first(ids, **options):
        # Between the sweep's selection and its deletion, a person of one case complains
        # again and their phone number is corrected on the new case.
        person = Person.objects.get(pk=changed.people[0].pk)
        new_case = log_complaint(by=officer, area=changed.incident.area, description="Again")
        involve(new_case, by=officer, role=Involvement.Role.COMPLAINANT, person=person)
        update_person(person, by=officer, expected_version=person.version, phone="01632 960000")
        return real_erase(ids, **options)

    monkeypatch.setattr(sweep, "erase_incidents", someone_edits_first)
    result = sweep.run_sweep()

    assert result.erased == [untouched.incident.urn]
    assert [(s.urn, s.reason) for s in result.skipped] == [
        (changed.incident.urn, "changed since it was selected")
    ]
    assert Incident.objects.filter(pk=changed.incident.pk).exists()


def test_a_new_working_sheet_entry_after_selection_also_counts(plant, manager):
    case = plant(outcome="withdrawn", closed_on=years_ago(3))
    selected_at = timezone.now()
    # A part of the case changes (here written directly: a closed case is read-only).
    Incident.objects.filter(pk=case.incident.pk).update(status=Incident.Status.OPEN)
    add_entry(
        case.incident,
        by=manager,
        kind=WorkingSheetEntry.Kind.NOTE,
        text="Complainant phoned again",
        occurred_at=timezone.now(),
    )
    Incident.objects.filter(pk=case.incident.pk).update(status=Incident.Status.CLOSED)

    skipped = erasure.erase_incident(
        case.incident.pk, unchanged_since=selected_at, decided=ErasedIncident.DecidedBy.SWEEP
    )

    assert skipped.reason == "changed since it was selected"
    assert Incident.objects.filter(pk=case.incident.pk).exists()


def test_running_the_sweep_twice_gives_the_same_result(plant):
    plant(outcome="withdrawn", closed_on=years_ago(3))
    plant(outcome="resolved", closed_on=years_ago(7))
    plant(outcome="withdrawn", closed_on=years_ago(1))

    first = sweep.run_sweep()
    after_first = row_counts()
    second = sweep.run_sweep()

    assert (len(first.erased), len(first.queued)) == (1, 1)
    assert (second.erased, second.queued, second.skipped) == ([], [], [])
    after_second = row_counts()
    # Only the second run's own audit event is new.
    assert after_second.pop("audit_auditevent") == after_first.pop("audit_auditevent") + 1
    assert after_second == after_first


def test_an_interrupted_batch_is_all_or_nothing_and_the_next_run_finishes(plant, monkeypatch):
    first = plant(outcome="withdrawn", closed_on=years_ago(3))
    second = plant(outcome="withdrawn", closed_on=years_ago(3))
    before = row_counts()
    real_delete_history = erasure._delete_history

    def interrupted(collected):
        raise KeyboardInterrupt  # the process is told to stop half-way through the batch

    monkeypatch.setattr(erasure, "_delete_history", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sweep.run_sweep(batch_size=2)

    # Nothing of either incident went: the batch's transaction was rolled back.
    after = row_counts()
    after.pop("audit_auditevent"), before.pop("audit_auditevent")
    assert after == before
    assert set(traces(first.secrets + second.secrets)) == set(first.secrets + second.secrets)
    assert all(Path(path).exists() for path in first.document_paths + second.document_paths)

    monkeypatch.setattr(erasure, "_delete_history", real_delete_history)
    result = sweep.run_sweep(batch_size=2)
    assert sorted(result.erased) == sorted([first.incident.urn, second.incident.urn])
    assert traces(first.secrets + second.secrets) == {}


def test_files_left_by_a_run_killed_after_its_commit_are_removed_next_time(
    plant, monkeypatch, documents_root
):
    case = plant(outcome="withdrawn", closed_on=years_ago(3))
    # The process dies after the commit, before removing the files.
    monkeypatch.setattr(erasure, "_delete_files_now", lambda names: None)
    sweep.run_sweep()
    assert PendingFileDeletion.objects.count() == 1
    assert all(Path(path).exists() for path in case.document_paths)

    monkeypatch.undo()
    assert sweep.run_sweep().files_finished == 1
    assert not any(Path(path).exists() for path in case.document_paths)
    assert not PendingFileDeletion.objects.exists()


def test_the_management_command_runs_the_sweep(plant, capsys):
    case = plant(outcome="withdrawn", closed_on=years_ago(3))
    call_command("retention_sweep")
    assert "Erased 1, queued for review 0" in capsys.readouterr().out
    assert not Incident.objects.filter(pk=case.incident.pk).exists()
    assert AuditEvent.objects.filter(event_type=AuditEvent.Type.RETENTION_SWEEP).count() == 1
