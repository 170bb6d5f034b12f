"""Every audited event type, caused the way a user causes it, is recorded with every field
the audit trail needs (SPEC A2, A3, A7; §17 "Audit"): UTC time, who, their organisation,
what, on which record, the outcome, the justification where one applies, the client's
address, and its place in the tamper-evident chain. Denied attempts (V5) included.

The triggers are in tests/audit/event_triggers.py.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit import chain
from audit.models import AuditEvent
from tests.audit.event_triggers import (
    ADDRESS,
    DENIED,
    PURPOSE,
    TRIGGERS,
    WRONG_PASSWORD,
    World,
    build_world,
)

Type, Outcome = AuditEvent.Type, AuditEvent.Outcome


# Anything other than success.
OUTCOMES = {
    Type.ACCESS_DENIED: Outcome.DENIED,
    Type.SIGN_IN_FAILED: Outcome.FAILURE,
    Type.DOCUMENT_REJECTED: Outcome.FAILURE,  # a bad file, from someone allowed to upload
    Type.INCIDENT_UPDATE_CONFLICT: Outcome.FAILURE,  # a stale save, refused
    Type.SIGN_IN_REFUSED: Outcome.DENIED,  # the right password, but not allowed in
    Type.ACCOUNT_LOCKED: Outcome.FAILURE,
    Type.TWO_FACTOR_FAILED: Outcome.FAILURE,
}

# No signed-in actor: a failed sign-in names only the username tried (never the password).
NO_ACTOR = {Type.SIGN_IN_FAILED, Type.ACCOUNT_LOCKED, Type.RETENTION_SWEEP}

# Recorded against the organisation acted on, not the actor's: a partner's administrators
# see in their own trail what the deployment-wide administrator did to them.
AGAINST_THE_PARTNER = {Type.ORGANISATION_SUSPENDED, Type.SUSPENSION_LIFTED}

# No single record by nature: a search, a report, an export, statistics or a map run over
# whatever matched, listed by their filters and counts in `details`; the purpose belongs to
# the session, not to a record. (A saved report's run does name the report.)
NO_TARGET = {
    Type.SEARCH,
    Type.REPORT_PURPOSE_STATED,
    Type.REPORT_RUN,
    Type.EXPORTED,
    Type.PRINTED,  # a report's results; a case summary print names its incident
    Type.HOTSPOTS_VIEWED,
    Type.STATISTICS_VIEWED,
    Type.DISCLOSURE_REPORTED,  # volumes over a period, every organisation in scope
    Type.RETENTION_SWEEP,  # every incident due, listed by counts
    Type.INACTIVE_REPORT,
}

# Run on the server (manage.py), not from a browser: there is no client address.
NO_CLIENT = {Type.API_TOKEN_ISSUED, Type.RETENTION_SWEEP}

# Consultation and disclosure carry their justification (§17, S2, V2), and so do shares
# and the administrators' decisions about accounts and partners.
JUSTIFIED = {
    Type.SEARCH,
    Type.REPORT_PURPOSE_STATED,
    Type.REPORT_RUN,
    Type.EXPORTED,
    Type.PRINTED,
    Type.HOTSPOTS_VIEWED,
    Type.STATISTICS_VIEWED,
    Type.SHARE_GRANTED,
    Type.SHARE_REVOKED,
    Type.USER_DISABLED,
    Type.TWO_FACTOR_RESET,
    Type.ORGANISATION_SUSPENDED,
    Type.SUSPENSION_LIFTED,
    Type.DISCLOSURE_RECORDED,
    Type.SUBJECT_ACCESS,  # the request's reference
}
# ... of which the reporting module's events carry the purpose stated for the session.
STATED_PURPOSE = {
    Type.REPORT_PURPOSE_STATED,
    Type.REPORT_RUN,
    Type.EXPORTED,
    Type.PRINTED,
    Type.HOTSPOTS_VIEWED,
    Type.STATISTICS_VIEWED,
}
# Decisions about a case or a person whose reason is kept with the record (and erased with
# it), never in the audit log, which outlives the record (docs/retention.md): the event
# names the record holding the reason.
REASON_KEPT_WITH_THE_RECORD = {
    Type.PEOPLE_MERGED,
    Type.PEOPLE_MERGE_UNDONE,
    Type.CLOSURE_RETURNED,
    Type.CASE_REOPENED,
}


# The record each event names, as the trigger acted on it.
ON_THE_INCIDENT = {
    Type.INCIDENT_VIEWED,
    Type.INCIDENT_UPDATED,
    Type.INCIDENT_UPDATE_CONFLICT,
    Type.HISTORY_VIEWED,
    Type.CLOSURE_SUBMITTED,
    Type.CLOSURE_APPROVED,
    Type.CLOSURE_RETURNED,
    Type.CASE_REOPENED,
    Type.INVOLVEMENT_ADDED,
    Type.STATEMENT_RECORDED,
    Type.INTERVENTION_RECORDED,
    Type.INTERVENTION_UPDATED,
    Type.ENTRY_ADDED,
    Type.RISK_ASSESSED,
    Type.TASK_RAISED,
    Type.TASK_UPDATED,
    Type.ALERT_SENT,
    Type.DOCUMENT_UPLOADED,
    Type.DOCUMENT_REJECTED,
    Type.DOCUMENT_DOWNLOADED,
    Type.SHARE_GRANTED,
    Type.SHARE_REVOKED,
    Type.RETENTION_FLAG_CHANGED,
    Type.LEGAL_HOLD_SET,
    Type.LEGAL_HOLD_LIFTED,
    Type.RETENTION_KEPT,
    Type.INCIDENT_ERASED,
}
ON_THE_VICTIM = {
    Type.PERSON_VIEWED,
    Type.PERSON_UPDATED,
    Type.CONSENT_RECORDED,
    Type.SUBJECT_ACCESS,
}


def expected_target(world: World, event_type: str) -> tuple[str, str] | None:
    if event_type in ON_THE_INCIDENT:
        return ("incident", world.incident.urn)
    if event_type in ON_THE_VICTIM:
        return ("person", str(world.victim.person_id))
    if event_type == Type.INCIDENT_CREATED:
        return ("incident", world.made["incident"].urn)
    if event_type == Type.ACCESS_DENIED:
        return ("incident", world.elsewhere.urn)
    if event_type == Type.API_TOKEN_ISSUED:
        return ("user", str(world.officer.pk))
    return None


@pytest.fixture(autouse=True)
def _documents_in_tmp(documents_root):
    """Every test here stores documents in its own folder (tests/conftest.py)."""


@pytest.fixture
def world(scenario) -> World:
    return build_world(scenario)


def _last_sequence() -> int:
    last = AuditEvent.objects.order_by("-sequence").first()
    return last.sequence if last else 0


def _newest(event_type: str, after: int) -> AuditEvent:
    event = (
        AuditEvent.objects.filter(event_type=event_type, sequence__gt=after)
        .select_related("actor", "organisation")
        .order_by("-sequence")
        .first()
    )
    assert event is not None, f"no {event_type} event was recorded"
    return event


def assert_complete(event: AuditEvent, *, after: int) -> None:
    """Every field the audit trail needs, for an event of any type."""
    kind = event.event_type
    now = timezone.now()

    assert event.occurred_at.utcoffset() == timedelta(0)
    assert event.occurred_at.tzinfo is not None
    assert now - timedelta(minutes=1) <= event.occurred_at <= now
    assert event.event_type in Type.values
    assert event.outcome in Outcome.values
    assert event.outcome == OUTCOMES.get(kind, Outcome.SUCCESS)

    if kind in NO_ACTOR:
        assert event.actor is None
        assert event.actor_label
    elif kind in AGAINST_THE_PARTNER:
        assert event.actor is not None
        assert event.organisation is not None
        assert event.organisation_id == int(event.target_id)
        assert event.actor_label == event.actor.get_username()
    else:
        assert event.actor is not None, "who did it"
        assert event.organisation is not None, "their organisation"
        assert event.actor.organisation_id == event.organisation_id
        assert event.actor_label == event.actor.get_username()

    if kind not in NO_TARGET:
        assert event.target_type, "the kind of record acted on"
        assert event.target_id, "the record acted on"

    if kind in JUSTIFIED:
        assert event.justification.strip(), "the justification"
    if kind in REASON_KEPT_WITH_THE_RECORD:
        assert event.justification == "", "the reason stays with the record"
    if kind in STATED_PURPOSE:
        assert event.justification == PURPOSE

    if kind in NO_CLIENT:
        assert event.ip_address is None
    else:
        assert event.ip_address == ADDRESS, "the address the request came from"

    assert event.sequence > after
    assert event.content_hash == chain.content_hash(event)
    assert event.row_hash == chain.row_hash(
        event.content_hash, event.sequence, event.previous_hash
    )
    before = AuditEvent.objects.get(sequence=event.sequence - 1) if event.sequence > 1 else None
    assert event.previous_hash == (before.row_hash if before else chain.GENESIS)


def test_every_event_type_has_a_trigger():
    assert set(Type) - set(TRIGGERS) == set()
    assert set(TRIGGERS) <= set(Type)


def test_the_exception_lists_name_only_triggered_types():
    for listed in (
        OUTCOMES,
        NO_ACTOR,
        NO_TARGET,
        NO_CLIENT,
        JUSTIFIED,
        REASON_KEPT_WITH_THE_RECORD,
        STATED_PURPOSE,
    ):
        assert set(listed) <= set(TRIGGERS)
    named = ON_THE_INCIDENT | ON_THE_VICTIM
    assert named <= set(TRIGGERS) - NO_TARGET


@pytest.mark.parametrize("event_type", sorted(TRIGGERS))
def test_each_event_is_recorded_with_every_field(world, event_type):
    after = _last_sequence()

    TRIGGERS[event_type](world)

    event = _newest(event_type, after)
    assert_complete(event, after=after)
    if (target := expected_target(world, event_type)) is not None:
        assert (event.target_type, event.target_id) == target


def test_a_failed_sign_in_names_the_account_tried_and_never_the_password(world):
    after = _last_sequence()

    TRIGGERS[Type.SIGN_IN_FAILED](world)

    event = _newest(Type.SIGN_IN_FAILED, after)
    assert event.actor_label == world.officer.username
    assert event.organisation_id in (None, world.officer.organisation_id)
    stored = [getattr(event, f.attname) for f in AuditEvent._meta.concrete_fields]
    assert WRONG_PASSWORD not in str(stored)


@pytest.mark.parametrize("attempt", sorted(DENIED))
def test_denied_attempts_are_recorded_with_every_field(world, attempt):
    url, target = DENIED[attempt](world)
    client = world.signed_in(world.officer)
    after = _last_sequence()

    assert client.get(url).status_code == 404

    event = _newest(Type.ACCESS_DENIED, after)
    assert_complete(event, after=after)
    assert (event.target_type, event.target_id) == target
    assert event.actor == world.officer
    assert event.details["path"] == url
    assert not AuditEvent.objects.filter(sequence__gt=after).exclude(pk=event.pk).exists()
