"""Load the demo partnership: the organisations of the Leicestershire Sentinel
information-sharing agreement (docs/requirements.md), demo users and invented incidents.

Every name, street and story comes from Faker or the lists below: never a real person.
Runs once: on a database that already has organisations it does nothing.
"""

import random
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from faker import Faker

from access.models import Organisation, User, UserGroup
from access.partnership import build_partnership
from access.policy import covered_areas
from incidents.models import AggravatingFactor, Incident, RiskQuestion
from incidents.services import log_complaint
from incidents.services.closure import approve_closure, submit_for_closure
from incidents.services.risk import record_assessment
from incidents.services.tasks import raise_task
from incidents.services.worksheet import record_entry
from people.services import involve
from retention.sweep import run_sweep

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
# Faker's sentences are Latin placeholder text: the demo's case notes come from here instead.
EFFECTS = [
    "The complainant says they no longer feel safe going out after dark.",
    "Neighbours have complained before but nothing has changed.",
    "The caller's children are frightened and are not sleeping.",
    "The complainant works nights and cannot rest during the day.",
    "An elderly resident nearby has stopped answering the door.",
]
CONTACTS = [
    "They would like a visit this week.",
    "Advised to keep a diary of incidents; diary sheets posted.",
    "Agreed to call again after the weekend.",
    "Given the reference and the officer's contact details.",
]
# Rough centres of the partnership's areas, so that the hotspot map (S4) has somewhere to
# draw; each area also has a few invented "hot" streets where incidents bunch together.
AREA_CENTRES = {
    "Leicester City": (52.636, -1.133),
    "Blaby": (52.575, -1.165),
    "Charnwood": (52.765, -1.205),
    "Harborough": (52.480, -0.920),
    "Hinckley and Bosworth": (52.600, -1.400),
    "Melton": (52.765, -0.886),
    "North West Leicestershire": (52.720, -1.370),
    "Oadby and Wigston": (52.590, -1.090),
    "Rutland": (52.660, -0.640),
}
CLOSINGS = [
    "No further reports for six weeks.",
    "Warning letter acknowledged and the behaviour has stopped.",
    "Mediation agreed by both households.",
]


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
        # The demo's alerts are not e-mailed anywhere, not even to the console.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            transaction.atomic(),
        ):
            # Loaded from its partnership file, as `manage.py load_partnership` loads any.
            partnership = build_partnership(audited=True)
            users = self._users(partnership, faker)
            logged = self._incidents(partnership, users, faker, chooser, incidents)
            self._casework(logged, users, faker, chooser)
            self._old_closed_cases(logged, users, chooser)
        # Old closed cases fall due: the automatic ones are erased, the others queued for
        # an administrator's review (SPEC D2), as the nightly sweep would.
        swept = run_sweep()
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {len(partnership.organisations)} organisations, {len(users)} users "
                f"and {incidents} incidents ({len(swept.erased)} old ones erased by the "
                f"retention sweep, {len(swept.queued)} queued for review). "
                f"Demo password: {DEMO_PASSWORD}"
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
                    # The police host the deployment: their administrator manages every
                    # partner's users and may suspend a partner (M1, T4).
                    manages_all_organisations=(
                        group == UserGroup.ADMINISTRATOR and short == "police"
                    ),
                )
                user.email = f"{user.username}@example.invalid"
                user.password = password
                user.save()
                users.append(user)
        return users

    def _incidents(self, partnership, users, faker, chooser, count: int) -> list[Incident]:
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
        factors = list(AggravatingFactor.objects.filter(active=True))
        # Invented hot spots: a street and a point per area that keep coming back.
        hot = {
            area.pk: [
                (
                    faker.street_name(),
                    faker.postcode(),
                    self._near(chooser, AREA_CENTRES.get(area.name, (52.64, -1.13)), 0.03),
                )
                for _ in range(3)
            ]
            for area in areas
        }
        logged = []
        now = timezone.now()
        for _ in range(count):
            area = chooser.choice(areas)
            centre = AREA_CENTRES.get(area.name, (52.64, -1.13))
            if chooser.random() < 0.35:
                street, postcode, point = chooser.choice(hot[area.pk])
                number = chooser.randint(1, 6)
                latitude, longitude = self._near(chooser, point, 0.001)
            else:
                street, postcode = faker.street_name(), faker.postcode()
                number = chooser.randint(1, 120)
                latitude, longitude = self._near(chooser, centre, 0.02)
            description = (
                f"Residents of {street}, {area.name}, report {chooser.choice(BEHAVIOURS)} "
                f"{chooser.choice(WHEN)}. {chooser.choice(EFFECTS)}"
            )
            # The first victim contact (see _casework) comes after the report: reports are
            # spread over the past year so that monthly statistics and periods mean something.
            contact_at = now - timedelta(hours=chooser.randint(1, 32 * 24))
            incident = log_complaint(
                by=chooser.choice(by_area[area.pk]),
                area=area,
                description=description,
                marking=chooser.choice(markings),
                category=chooser.choice(Incident.Category.values),
                address=f"{number} {street}",
                postcode=postcode,
                latitude=round(latitude, 6),
                longitude=round(longitude, 6),
                received_at=contact_at - timedelta(hours=chooser.randint(1, 24 * 330)),
                aggravating_factors=chooser.sample(factors, 1) if chooser.random() < 0.25 else [],
            )
            incident.demo_contact_at = contact_at
            logged.append(incident)
        return logged

    @staticmethod
    def _near(chooser, point, spread):
        latitude, longitude = point
        return latitude + chooser.gauss(0, spread), longitude + chooser.gauss(0, spread * 1.6)

    def _casework(self, incidents, users, faker, chooser) -> None:
        """People (some in several incidents, so repeats show), a first working-sheet entry,
        a risk assessment and now and then a task: what an officer finds on a real case."""
        people_pool = []
        questions = list(RiskQuestion.objects.filter(active=True))
        workers = [u for u in users if u.group in (UserGroup.OPERATIONAL, UserGroup.ENHANCED)]
        for incident in incidents:
            officer = incident.lead_officer
            for role in ("complainant", "perpetrator"):
                # A few people recur often (repeat victims, prolific perpetrators), most once.
                if len(people_pool) > 20 and chooser.random() < 0.3:
                    person = chooser.choice(people_pool[:20])
                    if incident.involvements.filter(person=person).exists():
                        continue
                    involve(incident, by=officer, role=role, person=person)
                else:
                    involvement = involve(
                        incident,
                        by=officer,
                        role=role,
                        person_fields={
                            "given_name": faker.first_name(),
                            "family_name": faker.last_name(),
                            "date_of_birth": faker.date_of_birth(minimum_age=14, maximum_age=85),
                            "address": incident.address,
                            "postcode": incident.postcode,
                        },
                    )
                    people_pool.append(involvement.person)
            record_entry(
                incident,
                by=officer,
                kind="victim_contact",
                text=f"Spoke to the complainant. {chooser.choice(CONTACTS)}",
                # Some cases are due a victim update, some overdue (R3): the dashboard shows them.
                occurred_at=incident.demo_contact_at,
            )
            record_assessment(
                incident,
                by=officer,
                answers={q.pk: chooser.random() < 0.3 for q in questions},
            )
            if chooser.random() < 0.1 and incident.current_risk != Incident.RiskLevel.HIGH:
                submit_for_closure(
                    incident,
                    by=officer,
                    summary=f"Interventions complete. {chooser.choice(CLOSINGS)}",
                    outcome=chooser.choice(["resolved", "improved"]),
                )
            elif chooser.random() < 0.2:
                colleagues = [w for w in workers if w.organisation_id == officer.organisation_id]
                raise_task(
                    incident,
                    by=officer,
                    assigned_to=chooser.choice(colleagues),
                    title="Visit the complainant",
                    due_on=timezone.localdate() + timedelta(days=chooser.randint(0, 14)),
                )

    def _old_closed_cases(self, incidents, users, chooser) -> None:
        """A few cases closed years ago (dates moved back: the demo has no past), so that the
        retention review queue and the sweep have work (SPEC D1, D2)."""
        managers = {u.organisation_id: u for u in users if u.group == UserGroup.ENHANCED}
        candidates = [
            incident
            for incident in incidents
            if incident.status == Incident.Status.OPEN
            and incident.current_risk != Incident.RiskLevel.HIGH
            and incident.lead_organisation_id in managers
        ]
        for incident in chooser.sample(candidates, min(12, len(candidates))):
            outcome = chooser.choice(["resolved", "improved", "withdrawn", "no_further_action"])
            submit_for_closure(
                incident,
                by=incident.lead_officer,
                summary=f"Interventions complete. {chooser.choice(CLOSINGS)}",
                outcome=outcome,
            )
            approve_closure(incident, by=managers[incident.lead_organisation_id])
            closed_at = timezone.now() - timedelta(days=chooser.randint(365, 8 * 365))
            Incident.objects.filter(pk=incident.pk).update(
                received_at=closed_at - timedelta(days=60),
                closed_at=closed_at,
                last_activity_at=closed_at,
            )
