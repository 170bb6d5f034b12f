"""The hash chain that makes tampering with the audit log detectable (SPEC A7).

Each event's hash covers its own fields and the previous event's hash, so changing,
inserting or removing a row in the middle of the log breaks every link after it. Appending
takes a lock (PostgreSQL advisory lock, held to the end of the transaction) so that two
transactions never chain onto the same predecessor.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

GENESIS = "0" * 64
# An arbitrary, fixed key for pg_advisory_xact_lock: "audit chain".
_CHAIN_LOCK_KEY = 0x417564697443

# The fields a hash covers, in order. Adding a field to AuditEvent means adding it here
# (and a migration that leaves old rows verifiable: see verify()).
HASHED_FIELDS = (
    "sequence",
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
    "previous_hash",
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


def compute_hash(event) -> str:
    payload = json.dumps(
        [_value(event, name) for name in HASHED_FIELDS],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def lock_chain() -> None:
    """Serialise appends for the rest of the transaction (SQLite writers are serialised
    already: the project opens its transactions IMMEDIATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def link(event) -> None:
    """Give an unsaved event its place in the chain. Call inside a transaction, after
    lock_chain()."""
    from .models import AuditEvent

    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", "row_hash").first()
    event.sequence, event.previous_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    event.row_hash = compute_hash(event)


@dataclass
class ChainReport:
    checked: int
    first_broken: int | None = None  # the sequence number of the first bad row
    problem: str = ""
    last_hash: str = GENESIS

    @property
    def intact(self) -> bool:
        return self.first_broken is None


def verify(batch_size: int = 5000) -> ChainReport:
    """Walk the whole log in order; report the first row whose hash or link is wrong."""
    from .models import AuditEvent

    previous_hash, expected_sequence, checked = GENESIS, 1, 0
    queryset = AuditEvent.objects.order_by("sequence")
    for event in queryset.iterator(chunk_size=batch_size):
        if event.sequence != expected_sequence:
            return ChainReport(
                checked,
                event.sequence,
                f"expected event number {expected_sequence}: events are missing",
                previous_hash,
            )
        if event.previous_hash != previous_hash:
            return ChainReport(
                checked,
                event.sequence,
                "does not follow the event before it (inserted, removed or re-ordered)",
                previous_hash,
            )
        if compute_hash(event) != event.row_hash:
            return ChainReport(
                checked, event.sequence, "its contents were changed after it was written",
                previous_hash,
            )  # fmt: skip
        previous_hash, expected_sequence, checked = (
            event.row_hash,
            expected_sequence + 1,
            checked + 1,
        )
    return ChainReport(checked, None, "", previous_hash)
