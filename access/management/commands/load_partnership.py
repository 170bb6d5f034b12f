"""Set up or update a partnership from its file (docs/partnership-set-up.md): areas,
organisations, jurisdictions, contacts and first administrators, in YAML or JSON."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from access import policy
from access.models import User
from access.partnership_files import PartnershipFileError, load


class Command(BaseCommand):
    help = (
        "Load a partnership file (YAML or JSON): checked as a whole first, nothing written if "
        "any of it is wrong; loading it again updates what changed and never duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would change and write nothing."
        )
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="The enabled administrator loading it, named in the audit trail and "
            "creating the administrators (without it: the command line).",
        )

    def handle(self, *args, file: Path, dry_run: bool, by: str | None, **options):
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        actor = None
        if by:
            actor = User.objects.filter(username=by, is_active=True).first()
            # A partnership's organisations are new ones: only an administrator of every
            # organisation may create their administrators (M1).
            if actor is None or not (
                policy.may_administer_users(actor) and actor.manages_all_organisations
            ):
                raise CommandError(
                    f"{by!r} is not an enabled deployment-wide administrator; nothing was written."
                )
        try:
            result = load(text, by=actor, dry_run=dry_run)
        except PartnershipFileError as error:
            for message in error.messages:
                self.stderr.write(f"{file}: {message}")
            raise CommandError(
                f"{file} was not loaded ({len(error.messages)} problem(s)); nothing was written."
            ) from None
        self._report(file, result, dry_run)

    def _report(self, file, result, dry_run: bool) -> None:
        if not result.changes:
            self.stdout.write(f"Nothing to change: the database already matches {file}.")
            return
        heading = "Would change (dry run, nothing written):" if dry_run else "Changed:"
        self.stdout.write(heading)
        for change in result.changes:
            self.stdout.write(f"  {change}")
        if result.new_administrators:
            names = ", ".join(user.username for user in result.new_administrators)
            self.stdout.write(
                f"New administrators ({names}) are disabled and have no password: a "
                "deployment-wide administrator enables each one once they have signed the "
                "code of connection, and sets a first password they change when they sign in "
                "(Administration, Users)."
            )
        if not dry_run:
            self.stdout.write(self.style.SUCCESS(f"Loaded {file}."))
