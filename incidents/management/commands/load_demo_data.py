"""Load the demo partnership: seed 000's organisations, demo users and invented incidents.

Every name, street and story comes from Faker or the lists below: never a real person.
Runs once: on a database that already has organisations it does nothing.
"""

import random

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from faker import Faker

from access.models import Organisation, User, UserGroup
from access.partnership import build_partnership
from access.policy import covered_areas
from incidents.models import Incident
from incidents.services import log_complaint

DEMO_PASSWORD = "demo-only-password"  # noqa: S105 - documented in the README as demo-only

# organisation -> short name for usernames, and the groups that get a demo user
DEMO_USERS = {
    "Leicestershire Police": ("police", list(UserGroup)),
    "Leicestershire County Council": ("county", list(UserGroup)),
    "Blaby District Council": ("blaby", list(UserGroup)),
    "Leicester City Council": ("city", [UserGroup.OPERATIONAL, UserGroup.ENHANCED]),
    "Rutland County Council": ("rutland", [UserGroup.OPERATIONAL, UserGroup.ENHANCED]),
    "Charnwood Borough Council": ("charnwood", [UserGroup.OPERATIONAL, UserGroup.ENHANCED]),
    "Charnwood Neighbourhood Housing": ("housing", [UserGroup.OPERATIONAL]),
}

BEHAVIOURS = [
    "loud music played late into the night",
    "a group gathering and shouting outside the shops",
    "rubbish repeatedly dumped on the verge",
    "graffiti sprayed on garage doors",
    "off-road motorbikes ridden across the playing field",
    "a neighbour's dog left barking for hours",
    "verbal abuse directed at residents walking past",
    "fireworks set off near parked cars",
    "drug paraphernalia left in the stairwell",
    "a car repeatedly parked across a driveway",
]
WHEN = ["most evenings", "at weekends", "over the past fortnight", "since the summer", "daily"]


class Command(BaseCommand):
    help = "Load the demo partnership, demo users and invented incidents (once)."

    def add_arguments(self, parser):
        parser.add_argument("--incidents", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, incidents: int, seed: int, **options):
        if Organisation.objects.exists():
            self.stdout.write("Demo data already loaded; nothing to do.")
            return
        faker = Faker("en_GB")
        faker.seed_instance(seed)
        chooser = random.Random(seed)
        with transaction.atomic():
            partnership = build_partnership()
            users = self._users(partnership, faker)
            self._incidents(partnership, users, faker, chooser, incidents)
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {len(partnership.organisations)} organisations, {len(users)} users "
                f"and {incidents} incidents. Demo password: {DEMO_PASSWORD}"
            )
        )

    def _users(self, partnership, faker) -> list[User]:
        now = timezone.now()
        password = make_password(DEMO_PASSWORD)  # hashed once: demo accounts share it
        users = []
        for organisation_name, (short, groups) in DEMO_USERS.items():
            for group in groups:
                user = User(
                    username=f"{short}.{group}",
                    first_name=faker.first_name(),
                    last_name=faker.last_name(),
                    organisation=partnership.organisations[organisation_name],
                    group=group,
                    training_level=2 if group == UserGroup.ADMINISTRATOR else 1,
                    code_of_connection_confirmed_at=now,
                )
                user.email = f"{user.username}@example.invalid"
                user.password = password
                user.save()
                users.append(user)
        return users

    def _incidents(self, partnership, users, faker, chooser, count: int) -> None:
        workers = [u for u in users if u.group in (UserGroup.OPERATIONAL, UserGroup.ENHANCED)]
        covered = {
            organisation.pk: set(covered_areas(organisation).values_list("pk", flat=True))
            for organisation in partnership.organisations.values()
        }
        # Each incident is logged by someone who works in its area.
        by_area = {
            area.pk: [u for u in workers if area.pk in covered[u.organisation_id]]
            for area in partnership.leaf_areas()
        }
        areas = [a for a in partnership.leaf_areas() if by_area[a.pk]]
        markings = [Incident.Marking.RESTRICTED] * 17 + [
            Incident.Marking.PROTECT,
            Incident.Marking.PROTECT,
            Incident.Marking.CONFIDENTIAL,
        ]
        for _ in range(count):
            area = chooser.choice(areas)
            street = faker.street_name()
            description = (
                f"Residents of {street}, {area.name}, report {chooser.choice(BEHAVIOURS)} "
                f"{chooser.choice(WHEN)}. {faker.sentence(nb_words=12)}"
            )
            log_complaint(
                by=chooser.choice(by_area[area.pk]),
                area=area,
                description=description,
                marking=chooser.choice(markings),
            )
