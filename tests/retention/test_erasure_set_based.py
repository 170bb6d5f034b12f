"""Erasure works on sets (retention/erasure.py): a batch costs the same queries whatever its
size, writes no per-record history on the way, and honours every relation's on_delete."""

import pytest
from django.db import connection
from django.db.models import RestrictedError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.models import FormDraft
from audit.models import AuditEvent, Disclosure
from incidents.models import Incident, WorkingSheetEntry
from people.models import Person
from people.services import merge_people
from retention import erasure, sweep
from retention.models import DeletionFlag, ErasedIncident

from .conftest import years_ago
from .no_trace import row_counts, traces


def _erase(cases) -> CaptureQueriesContext:
    with CaptureQueriesContext(connection) as queries:
        erased, skipped = erasure.erase_incidents(
            [case.incident.pk for case in cases],
            unchanged_since=timezone.now(),
            decided=ErasedIncident.DecidedBy.SWEEP,
            require_flag=DeletionFlag.AUTOMATIC,
        )
    assert (len(erased), skipped) == (len(cases), [])
    return queries


def _due(plant, count: int):
    return [plant(outcome="withdrawn", closed_on=years_ago(3)) for _ in range(count)]


def test_a_batch_takes_the_same_queries_whatever_its_size(plant):
    two, six = _due(plant, 2), _due(plant, 6)

    small = _erase(two)
    large = _erase(six)

    assert len(small) == len(large), "a query per record crept in"
    for cases in (two, six):
        assert not Incident.objects.filter(pk__in=[c.incident.pk for c in cases]).exists()
        assert traces([secret for case in cases for secret in case.secrets]) == {}
    statements = [query["sql"] for query in large.captured_queries]
    # No "deleted" history row is written only to be deleted again; the six audit events
    # (checked below) are appended by one INSERT.
    assert not [sql for sql in statements if sql.startswith("INSERT") and "historical" in sql]
    assert (
        len([sql for sql in statements if sql.startswith('INSERT INTO "audit_auditevent"')]) == 1
    )
    erased_events = AuditEvent.objects.filter(event_type=AuditEvent.Type.INCIDENT_ERASED)
    assert sorted(erased_events.values_list("target_id", flat=True)) == sorted(
        case.incident.urn for case in two + six
    )
    assert all(event.details["people_erased"] == 2 for event in erased_events)
    assert all(event.details["documents_erased"] == 1 for event in erased_events)


def test_people_merged_into_an_erased_person_go_with_them(plant, administrator):
    first, second = _due(plant, 2)
    keep, duplicate = first.people[0], second.people[0]
    # The second case's victim was the same person: the administrator merges the record
    # into the first case's, which now holds both cases' involvements.
    merge_people(keep, duplicate, by=administrator, reason="Same name and date of birth")
    assert Person.objects.get(pk=duplicate.pk).merged_into_id == keep.pk

    result = sweep.run_sweep(batch_size=2)

    assert sorted(result.erased) == sorted([first.incident.urn, second.incident.urn])
    assert not Person.objects.filter(pk__in=[keep.pk, duplicate.pk]).exists()
    assert traces(first.secrets + second.secrets) == {}
    # The kept record is counted once, against the first case; the merged record is the
    # same person, not counted again.
    erased = {t.urn: t.people_erased for t in ErasedIncident.objects.all()}
    assert erased == {first.incident.urn: 2, second.incident.urn: 1}


def test_a_restricted_reference_from_a_kept_case_refuses_the_whole_batch(plant, officer):
    erased, kept = _due(plant, 1)[0], plant(outcome="resolved", closed_on=years_ago(1))
    entry = WorkingSheetEntry.objects.filter(incident=erased.incident).first()
    # Written directly: the services only let an entry correct one of its own incident.
    WorkingSheetEntry.objects.create(
        incident=kept.incident,
        kind=WorkingSheetEntry.Kind.CORRECTION,
        text="Corrects an entry of another case",
        occurred_at=timezone.now(),
        author=officer,
        corrects=entry,
    )
    before = row_counts()

    with pytest.raises(RestrictedError, match=r"WorkingSheetEntry\.corrects"):
        _erase([erased])

    after = row_counts()
    assert after == before
    assert set(traces(erased.secrets)) == set(erased.secrets)


def test_a_disclosure_about_an_erased_case_is_kept_without_its_link(plant, administrator):
    case = _due(plant, 1)[0]
    disclosure = Disclosure.objects.create(
        organisation=administrator.organisation,
        disclosed_on=timezone.localdate(),
        information="Dates of the incidents",
        incident=case.incident,
        incident_urn=case.incident.urn,
        recipient="Duty solicitor",
        recipient_organisation="A law firm",
        reason=Disclosure.Reason.LEGAL_PROCEEDINGS,
        legal_gateway=Disclosure.Gateway.DPA_LEGAL,
        justification="Court hearing",
        authorised_by="Head of service",
        recorded_by=administrator,
    )

    _erase([case])

    disclosure.refresh_from_db()
    assert (disclosure.incident_id, disclosure.incident_urn) == (None, case.incident.urn)


def test_form_drafts_typed_on_erased_pages_go_and_no_others(plant, officer):
    case, other = _due(plant, 1)[0], plant(outcome="resolved", closed_on=years_ago(1))
    urn, person = case.incident.urn, case.people[0].pk
    paths = {
        f"/incidents/{urn}/entries/add/": False,
        f"/incidents/{urn}/": False,
        f"/people/{person}/edit/": False,
        f"/incidents/{urn}": True,  # not a page of the incident: kept, as before
        f"/incidents/{urn}0/entries/add/": True,
        f"/incidents/{other.incident.urn}/entries/add/": True,
        f"/people/{person}0/edit/": True,
        f"/people/{other.people[0].pk}/edit/": True,
        "/incidents/": True,
        "/people/": True,
        "/search/": True,
    }
    for path in paths:
        FormDraft.objects.create(user=officer, path=path, form_key="form", data={})

    _erase([case])

    kept = set(FormDraft.objects.values_list("path", flat=True))
    assert kept == {path for path, stays in paths.items() if stays}
