"""Check the audit log's hash chain (SPEC A7): exit 0 when intact, 1 at the first bad link.

The chain alone cannot show that its newest events were removed, or that the whole log was
emptied and written afresh. So the command prints the log's head (`NUMBER:HASH`, the newest
event) and can save it to a file; a later run given that head (`--head NUMBER:HASH` or
`--expect-head FILE`) also checks that the log still holds that event, unchanged. Keep heads
where the database's users cannot change them (docs/security.md).

    manage.py verify_audit_chain --expect-head /secure/audit-head --save-head /secure/audit-head
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit import chain


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain and report the first broken link; check it still "
        "holds a head saved earlier (--head, --expect-head) and save its head (--save-head)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--head",
            metavar="NUMBER:HASH",
            help="A head printed by an earlier run: the log must still hold that event.",
        )
        parser.add_argument(
            "--expect-head",
            metavar="FILE",
            help="A file written by --save-head: the log must still hold the head it names.",
        )
        parser.add_argument(
            "--save-head",
            metavar="FILE",
            help="When the log is intact, write its head to FILE (replacing what was there).",
        )

    def handle(self, *args, head=None, expect_head=None, save_head=None, **options):
        if head and expect_head:
            raise CommandError("Give the saved head once: --head or --expect-head, not both.")
        saved = self._saved_head(head, expect_head)
        report = chain.verify(saved_head=saved)
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
        if saved is not None:
            self.stdout.write(f"It still holds the saved head, event {saved.sequence}.")
        self.stdout.write(f"Head: {report.head} (keep it; check later with --head {report.head})")
        if save_head:
            self._save(Path(save_head), report.head)

    def _saved_head(self, head: str | None, path: str | None) -> chain.Head | None:
        if path:
            try:
                head = Path(path).read_text(encoding="utf-8")
            except OSError as error:
                raise CommandError(f"Cannot read the saved head from {path}: {error}") from None
        if head is None:
            return None
        try:
            return chain.Head.parse(head)
        except ValueError as error:
            raise CommandError(str(error)) from None

    def _save(self, path: Path, head: chain.Head) -> None:
        try:
            path.write_text(f"{head}\n", encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot save the head to {path}: {error}") from None
        self.stdout.write(f"Head saved to {path}.")
