from django.core.management.base import BaseCommand

from retention.sweep import run_sweep


class Command(BaseCommand):
    help = (
        "Erase closed incidents due for automatic deletion and queue those flagged for review "
        "(SPEC D2); purge complaint drafts untouched for COMPLAINT_DRAFT_KEEP_DAYS. Safe to "
        "run twice and to interrupt."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args, batch_size=None, **options):
        result = run_sweep(batch_size=batch_size)
        self.stdout.write(
            f"Erased {len(result.erased)}, queued for review {len(result.queued)}, "
            f"skipped {len(result.skipped)}, leftover files removed {result.files_finished}, "
            f"unfinished complaint drafts purged {result.complaint_drafts_purged}."
        )
        for skipped in result.skipped:
            self.stdout.write(f"  skipped {skipped.urn}: {skipped.reason}")
