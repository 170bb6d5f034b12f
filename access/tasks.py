from celery import shared_task

from . import drafts


@shared_task(acks_late=True)
def delete_old_drafts() -> int:
    """Daily: forget form drafts nobody came back for (DRAFT_KEEP_DAYS). Idempotent."""
    return drafts.delete_old_drafts()
