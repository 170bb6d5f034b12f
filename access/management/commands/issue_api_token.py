"""Issue (or replace) the API token an integration uses, e.g. a police crime system adding
skeleton records (SPEC C4, I1). The token acts as that user, with exactly their access."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from access.models import User
from audit.models import AuditEvent
from audit.services import record_event


class Command(BaseCommand):
    help = "Issue a new API token for a user (any earlier token stops working)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    @transaction.atomic
    def handle(self, *args, username: str, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No enabled user {username!r}.")
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        record_event(
            AuditEvent.Type.API_TOKEN_ISSUED,
            actor=user,
            target=("user", user.pk),
            details={"issued_by": "manage.py issue_api_token"},
        )
        self.stdout.write(token.key)
