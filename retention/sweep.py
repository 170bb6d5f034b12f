"""The retention sweep (SPEC D2, D5): run daily by Celery beat, or `manage.py
retention_sweep`.

1. Files left by an earlier run that was killed after its commit are removed.
2. Incidents due (retention/rules.py) and flagged for review before deletion join the
   review queue (once: a queued incident is not queued again).
3. Incidents due and flagged for automatic deletion are erased in batches
   (retention/erasure.py), each batch in one transaction. The candidates are selected once,
   at the start; an incident changed after that moment is skipped, and so is one that is no
   longer due, on legal hold, or locked by someone working on it.
4. Complaint drafts nobody has touched for COMPLAINT_DRAFT_KEEP_DAYS are deleted: a
   complaint started and never logged would otherwise keep what a victim said for ever
   (a submitted draft holds nothing typed, only the case it became, and goes the same way).

Safe to run twice (an erased incident is gone; a queued one stays queued) and to kill half-way
(a batch is all or nothing, and the files are finished next time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record_event
from incidents.models import ComplaintDraft, Incident

from .erasure import Skipped, erase_incidents, finish_file_deletions
from .models import DeletionFlag, ErasedIncident, IncidentRetention
from .rules import active_rules, due_condition, with_retention


@dataclass
class SweepResult:
    erased: list[str] = field(default_factory=list)
    queued: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    files_finished: int = 0
    complaint_drafts_purged: int = 0


def due_incidents(today: date | None = None, rules=None):
    """Closed incidents due for deletion or review today, annotated with their flag."""
    rules = active_rules() if rules is None else rules
    today = today or timezone.localdate()
    return with_retention(Incident.objects.filter(due_condition(today, rules)), rules)


@transaction.atomic
def _queue_for_review(incident_ids: list[int], now) -> None:
    existing = set(
        IncidentRetention.objects.select_for_update()
        .filter(incident_id__in=incident_ids)
        .values_list("incident_id", flat=True)
    )
    IncidentRetention.objects.filter(incident_id__in=existing).update(
        review=IncidentRetention.Review.QUEUED,
        queued_at=now,
        version=F("version") + 1,
        updated_at=now,
    )
    IncidentRetention.objects.bulk_create(
        [
            IncidentRetention(
                incident_id=pk, review=IncidentRetention.Review.QUEUED, queued_at=now
            )
            for pk in incident_ids
            if pk not in existing
        ],
        ignore_conflicts=True,  # another sweep queued it a moment ago
    )


@transaction.atomic
def purge_complaint_drafts(now: datetime | None = None) -> int:
    """Delete the complaint drafts untouched for COMPLAINT_DRAFT_KEEP_DAYS (their owners are
    told on the drafts list: `ComplaintDraft.kept_until`); returns how many. Safe to run
    twice (a draft saved meanwhile is newer than the cutoff and stays)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.COMPLAINT_DRAFT_KEEP_DAYS)
    deleted, _ = ComplaintDraft.objects.filter(updated_at__lt=cutoff).delete()
    return deleted


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def run_sweep(*, today: date | None = None, batch_size: int | None = None) -> SweepResult:
    batch_size = batch_size or settings.RETENTION_SWEEP_BATCH_SIZE
    result = SweepResult(files_finished=finish_file_deletions())
    selected_at = timezone.now()
    rules = active_rules()
    due = due_incidents(today, rules)

    to_queue = list(
        due.filter(deletion_flag=DeletionFlag.REVIEW)
        .exclude(retention__review=IncidentRetention.Review.QUEUED)
        .order_by("pk")
        .values_list("pk", "urn")
    )
    for chunk in _chunks(to_queue, batch_size):
        _queue_for_review([pk for pk, _ in chunk], selected_at)
        result.queued.extend(urn for _, urn in chunk)

    to_erase = list(
        due.filter(deletion_flag=DeletionFlag.AUTOMATIC)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for chunk in _chunks(to_erase, batch_size):
        erased, skipped = erase_incidents(
            chunk,
            unchanged_since=selected_at,
            decided=ErasedIncident.DecidedBy.SWEEP,
            require_flag=DeletionFlag.AUTOMATIC,
        )
        result.erased.extend(tombstone.urn for tombstone in erased)
        result.skipped.extend(skipped)

    # Normally each batch's files went as it committed; this catches any that did not.
    finish_file_deletions()
    result.complaint_drafts_purged = purge_complaint_drafts()
    record_event(
        AuditEvent.Type.RETENTION_SWEEP,
        actor_label="retention sweep",
        details={
            "erased": len(result.erased),
            "queued_for_review": len(result.queued),
            "skipped": len(result.skipped),
            "files_finished": result.files_finished,
            "complaint_drafts_purged": result.complaint_drafts_purged,
        },
    )
    return result
