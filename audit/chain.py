"""The hash chain that makes tampering with the audit log detectable (SPEC A7).

Each event stores `content_hash`, a SHA-256 over its own fields, and `row_hash`, a SHA-256
over that content hash, its position (`sequence`) and the previous event's `row_hash`. So
changing, inserting or removing an event in the middle of the log breaks its own hash or
the link of the event after it.

On PostgreSQL the application computes the content hash and a BEFORE INSERT trigger
(migration audit/0006) takes an advisory lock held to the end of the transaction, reads the
newest event and assigns position, predecessor and row hash: two transactions can never
chain onto the same predecessor, and appending stays a single INSERT ... RETURNING. The
trigger fires for each row, and a row-level BEFORE trigger sees the rows its own statement
inserted before (PostgreSQL's "visibility of data changes"; the function is VOLATILE), so a
multi-row INSERT of many events (`prepare_many`) chains each to the one before it. On
SQLite (development only; writers are serialised by the IMMEDIATE transactions the project
opens) the application does the same in Python.

The chain cannot show that its newest events were removed (nothing follows them), nor that
the whole log was emptied and written afresh. For that, keep its `Head` (the newest event's
number and hash, which `verify_audit_chain` prints and can save) somewhere the database's
users cannot change, and verify against it later: that event must still be there, unchanged.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

GENESIS = "0" * 64
# pg_advisory_xact_lock key used by the trigger: "AuditC" in ASCII.
CHAIN_LOCK_KEY = 0x417564697443

# The fields the content hash covers, in order. Adding a field to AuditEvent means adding it
# here, with a migration that leaves old events verifiable.
HASHED_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_label",
    "organisation_id",
    "event_type",
    "target_type",
    "target_id",
    "outcome",
    "justification",
    "ip_address",
    "details",
)


def normalise_details(details: dict | None) -> dict:
    """What the JSON column will give back, so the hash computed now matches the row read
    later (dates become strings, tuples lists)."""
    return json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder))


def _value(event, name: str):
    value = getattr(event, name)
    if name == "occurred_at":
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if name == "ip_address":
        return str(value) if value else None
    return value


def content_hash(event) -> str:
    payload = json.dumps(
        [_value(event, name) for name in HASHED_FIELDS],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def row_hash(content: str, sequence: int, previous_hash: str) -> str:
    """The link. The PostgreSQL trigger computes exactly this: keep the two in step."""
    return hashlib.sha256(f"{content}:{sequence}:{previous_hash}".encode()).hexdigest()


def prepare(event) -> None:
    """Give an unsaved event its content hash and, where no trigger does it, its place in
    the chain. Call inside the transaction that saves it."""
    prepare_many([event])


def prepare_many(events) -> None:
    """`prepare` for events appended together, in this order. Call inside the transaction
    that inserts them (in one INSERT, in this order, on PostgreSQL)."""
    for event in events:
        event.content_hash = content_hash(event)
    if connection.vendor == "postgresql":
        return  # the trigger assigns sequence, previous_hash and row_hash, row by row
    from .models import AuditEvent

    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", "row_hash").first()
    sequence, previous = last if last else (0, GENESIS)
    for event in events:
        sequence += 1
        event.sequence, event.previous_hash = sequence, previous
        event.row_hash = previous = row_hash(event.content_hash, sequence, previous)


# Installed by migration 0006 (constants only: nothing user-supplied reaches this SQL).
APPEND_TRIGGER = f"""
CREATE OR REPLACE FUNCTION audit_event_chain() RETURNS trigger AS $$
DECLARE
    head RECORD;
BEGIN
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK_KEY});
    SELECT sequence, row_hash INTO head
        FROM audit_auditevent ORDER BY sequence DESC LIMIT 1;
    IF FOUND THEN
        NEW.sequence := head.sequence + 1;
        NEW.previous_hash := head.row_hash;
    ELSE
        NEW.sequence := 1;
        NEW.previous_hash := '{GENESIS}';
    END IF;
    NEW.row_hash := encode(
        sha256(convert_to(NEW.content_hash || ':' || NEW.sequence || ':' || NEW.previous_hash,
                          'UTF8')),
        'hex');
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_chain
    BEFORE INSERT ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_chain();
"""  # noqa: S608
REMOVE_APPEND_TRIGGER = """
DROP TRIGGER IF EXISTS audit_event_chain ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_chain();
"""

# Installed by migration 0008. The trigger reads the head of the chain for every event
# appended, with a plan PostgreSQL makes once per connection from the table's statistics.
# Made from those of an empty table (a new deployment, a freshly loaded database), it would
# be a scan of the whole table - for every event, each scan longer than the last. With
# sequential scans off inside the function, the head is read through the unique index on
# `sequence` whatever the statistics say (tests/audit/test_chain_bulk.py).
HEAD_BY_INDEX = "ALTER FUNCTION audit_event_chain() SET enable_seqscan = off;"
REMOVE_HEAD_BY_INDEX = "ALTER FUNCTION audit_event_chain() RESET enable_seqscan;"


@dataclass(frozen=True)
class Head:
    """The newest event of the log at some moment: its number and chain hash, written
    `NUMBER:HASH`. An empty log's head is `0:` and the genesis hash."""

    sequence: int
    row_hash: str

    def __str__(self) -> str:
        return f"{self.sequence}:{self.row_hash}"

    @classmethod
    def parse(cls, text: str) -> Head:
        """`NUMBER:HASH` as printed by `verify_audit_chain`; ValueError saying what is wrong."""
        number, _, digest = text.strip().partition(":")
        digest = digest.lower()
        if not (number.isdigit() and len(digest) == 64 and set(digest) <= set("0123456789abcdef")):
            raise ValueError(
                f"{text.strip()[:80]!r} is not a head: expected the event number, a colon and "
                "the 64-character chain hash, as verify_audit_chain prints them"
            )
        return cls(int(number), digest)


@dataclass
class ChainReport:
    checked: int
    first_broken: int | None = None  # the sequence number of the first bad event
    problem: str = ""
    last_hash: str = GENESIS

    @property
    def intact(self) -> bool:
        return self.first_broken is None

    @property
    def head(self) -> Head:
        """The newest event checked (of an intact log: its head)."""
        return Head(self.checked, self.last_hash)


def _problem(event, expected: int, previous_hash: str) -> str:
    if event.sequence != expected:
        return f"expected event number {expected}: events are missing"
    if event.previous_hash != previous_hash:
        return "does not follow the event before it (inserted, removed or re-ordered)"
    if content_hash(event) != event.content_hash:
        return "its contents were changed after it was written"
    if row_hash(event.content_hash, event.sequence, previous_hash) != event.row_hash:
        return "its chain hash was changed after it was written"
    return ""


def _check_head(report: ChainReport, saved: Head, hash_at_saved: str | None) -> ChainReport:
    """An intact chain must still hold the head saved earlier, unchanged."""
    if saved.sequence > report.checked:
        return ChainReport(
            report.checked,
            report.checked + 1,
            f"the log held {saved.sequence} events when its head was saved and now holds "
            f"{report.checked}: the newest events were removed",
            report.last_hash,
        )
    if (hash_at_saved or GENESIS) != saved.row_hash:
        return ChainReport(
            report.checked,
            saved.sequence,
            "it is not the event saved as the head: the log was rewritten from there or "
            "before (emptied and written afresh, or altered and re-hashed)",
            report.last_hash,
        )
    return report


def verify(batch_size: int = 5000, *, saved_head: Head | None = None) -> ChainReport:
    """Walk the whole log in order; report the first event whose hash or link is wrong. With
    `saved_head`, the log must also still hold that event with that hash."""
    from .models import AuditEvent

    previous_hash, expected, checked = GENESIS, 1, 0
    hash_at_saved = None
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=batch_size):
        problem = _problem(event, expected, previous_hash)
        if problem:
            return ChainReport(checked, event.sequence, problem, previous_hash)
        if saved_head is not None and event.sequence == saved_head.sequence:
            hash_at_saved = event.row_hash
        previous_hash, expected, checked = event.row_hash, expected + 1, checked + 1
    report = ChainReport(checked, None, "", previous_hash)
    return _check_head(report, saved_head, hash_at_saved) if saved_head else report
