from celery import shared_task

from . import sweep


@shared_task(acks_late=True)
def retention_sweep() -> dict:
    """Daily: erase incidents due for automatic deletion, queue the rest for review.
    Safe to run twice and to be killed half-way (retention/sweep.py)."""
    result = sweep.run_sweep()
    return {
        "erased": len(result.erased),
        "queued": len(result.queued),
        "skipped": len(result.skipped),
    }
