from celery import shared_task

from . import sweep


@shared_task(acks_late=True)
def retention_sweep() -> dict:
    """Daily: erase incidents due for automatic deletion, queue the rest for review, purge
    complaint drafts nobody finished. Safe to run twice and to be killed half-way
    (retention/sweep.py)."""
    result = sweep.run_sweep()
    return {
        "erased": len(result.erased),
        "queued": len(result.queued),
        "skipped": len(result.skipped),
        "complaint_drafts_purged": result.complaint_drafts_purged,
    }
