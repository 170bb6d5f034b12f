"""Check the audit log's hash chain (SPEC A7): exit 0 when intact, 1 at the first bad link."""

from django.core.management.base import BaseCommand, CommandError

from audit import chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain and report the first broken link."

    def handle(self, *args, **options):
        report = chain.verify()
        if not report.intact:
            raise CommandError(
                f"Audit chain broken at event {report.first_broken}: {report.problem}. "
                f"{report.checked} events before it verified."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {report.checked} events; latest hash {report.last_hash}."
            )
        )
