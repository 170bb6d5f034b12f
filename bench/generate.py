"""Generate the benchmark's synthetic partnership, fast (issue 8).

    python -m bench.generate --incidents 1000000

makes two PostgreSQL databases from scratch: `sentinel_bench` at the size asked for and
`sentinel_bench_baseline` at 10,000 incidents (the size the list pages' growth is measured
against), each migrated and loaded with:

- the example partnership's area tree and organisations, plus three more partners (15);
- 1,000 users spread over the organisations and groups;
- 1.5 people, 2.5 involvements, 3 working-sheet entries and 0.5 tasks per incident;
- 1 incident per ~1,000 shared explicitly with an organisation, 1 per ~5,000 with a user;
- a "created" history row for every one of those records, as simple-history would write;
- the same access expressed the way a typical Django project would: django-guardian's
  generic per-object grants (bench/guardian.py), for the runner's comparison.

Speed: the small things (areas, organisations, users) go through the ORM's bulk operations;
every large table is filled by one set-based `INSERT ... SELECT` over `generate_series`, run
inside PostgreSQL - no row travels through Python, which beats both COPY and bulk_create.
Names, streets and case notes come from pools drawn from Faker (bench/pools.py: invented,
never a real person) and picked at random in SQL. `setseed` makes a run repeatable.

Dates spread over five years before the generation day; older cases are mostly closed, with
the closure outcomes' usual mix, so the default retention rules make some of them due.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import timedelta

from people.names import normalise_name

from .pools import pick, pools

BASELINE_INCIDENTS = 10_000
YEARS = 5
# Per incident, on average.
PEOPLE_PER_INCIDENT = 1.5
TASK_CHANCE = 0.5
ORGANISATION_SHARE_CHANCE = 0.001
USER_SHARE_CHANCE = 0.0002

# The three partners added to the example partnership's twelve (15 in all).
EXTRA_ORGANISATIONS = {
    "Leicestershire Fire and Rescue Service": ("fire", "Leicestershire Police force area"),
    "Leicestershire Probation Delivery Unit": ("probation", "Leicestershire Police force area"),
    "Leicestershire Youth Justice Service": ("youth_offending", "Leicestershire"),
}
# Users per organisation kind, before scaling to the number asked for.
USER_WEIGHTS = {
    "police": 30,
    "county": 6,
    "unitary": 6,
    "district": 4,
    "housing": 3,
    "fire": 1,
    "probation": 1,
    "youth_offending": 1,
}
# Group mix inside an organisation, by weight.
GROUP_WEIGHTS = {
    "basic": 1,
    "operational": 12,
    "enhanced": 3,
    "analyst": 1,
    "administrator": 1,
}
CHANNELS = ["phone", "in_person", "email", "online", "control_room", "partner_referral"]
ENTRY_KINDS = ["note", "note", "victim_contact", "visit", "note", "victim_contact"]
TASK_TITLES = [
    "Visit the complainant",
    "Send a warning letter",
    "Check CCTV",
    "Update the victim",
    "Arrange mediation",
    "Review noise diary sheets",
]
GENDERS = ["female", "male", "other", "not_known"]


class Loader:
    def __init__(self, incidents: int, users: int, seed: int, echo=print):
        from django.db import connection
        from django.utils import timezone

        self.incidents = incidents
        self.users = users
        self.seed = seed
        self.echo = echo
        self.cursor = connection.cursor()
        self.now = timezone.now()
        self.started = self.now - timedelta(days=365 * YEARS + 1)
        self.timings: dict[str, float] = {}

    def run(self, name: str, sql: str, params: dict | None = None) -> int:
        began = time.perf_counter()
        self.cursor.execute(sql, params or {})
        rows = self.cursor.rowcount
        self.timings[name] = self.timings.get(name, 0) + time.perf_counter() - began
        return rows

    def load(self) -> dict:
        from django.db import transaction

        began = time.perf_counter()
        with transaction.atomic():
            self.cursor.execute("SELECT setseed(%s)", [(self.seed % 1000) / 1000])
            self.pools = pools(self.seed)
            self.partnership()
            self.make_users()
            counts = {
                "people": self.people(),
                "incidents": self.make_incidents(),
            }
            counts["involvements"] = self.involvements()
            counts["working-sheet entries"] = self.entries()
            counts["tasks"] = self.tasks()
            counts["explicit shares"] = self.shares()
            counts["history rows"] = self.history()
            counts["guardian grants (comparison only)"] = self.typical_grants()
        # As a database in use would be: statistics, and the visibility map (index-only
        # scans) that autovacuum would otherwise build during the measurements after a load.
        self.run("vacuum and analyse", "VACUUM (ANALYZE)")
        counts["organisations"] = self.count("access_organisation")
        counts["users"] = self.count("access_user")
        self.echo(f"  loaded in {time.perf_counter() - began:.0f} s")
        return counts

    def count(self, table: str) -> int:
        self.cursor.execute(f"SELECT count(*) FROM {table}")
        return self.cursor.fetchone()[0]

    # --- The partnership and its users ----------------------------------------------------

    def partnership(self) -> None:
        from django.utils.text import slugify

        from access.models import Area, Jurisdiction, Organisation
        from access.partnership import build_partnership, bulk_history_create
        from access.services import share_group_for

        partnership = build_partnership()
        extra = Organisation.objects.bulk_create(
            # A code as a partnership file would give it (docs/partnership-set-up.md).
            Organisation(name=name, kind=kind, code=slugify(name)[:40])
            for name, (kind, _) in EXTRA_ORGANISATIONS.items()
        )
        bulk_history_create(Organisation, extra)
        areas = {area.name: area for area in Area.objects.all()}
        Jurisdiction.objects.bulk_create(
            Jurisdiction(organisation=organisation, area=areas[EXTRA_ORGANISATIONS[name][1]])
            for organisation in extra
            for name in [organisation.name]
        )
        self.organisations = list(Organisation.objects.order_by("pk"))
        for organisation in self.organisations:
            share_group_for(organisation)
        # Each leaf area with the council that covers it most closely: it leads the cases
        # the police do not.
        self.leaves = []
        for area in Area.objects.order_by("path"):
            if not area.is_leaf():
                continue
            council = (
                Organisation.objects.filter(
                    jurisdictions__area__path__in=[
                        area.path[:n] for n in range(Area.steplen, len(area.path) + 1, 4)
                    ],
                    kind__in=["district", "unitary", "county"],
                )
                .order_by("-jurisdictions__area__depth", "pk")
                .first()
            )
            self.leaves.append((area.pk, council.pk))
        self.police_id = partnership.organisations["Leicestershire Police"].pk

    def make_users(self) -> None:
        from access.models import User
        from access.partnership import bulk_history_create

        weights = {o.pk: USER_WEIGHTS[o.kind] for o in self.organisations}
        total_weight = sum(weights.values())
        groups = [g for g, w in GROUP_WEIGHTS.items() for _ in range(w)]
        given, family = self.pools["given"], self.pools["family"]
        users = []
        for organisation in self.organisations:
            share = max(
                len(GROUP_WEIGHTS), round(self.users * weights[organisation.pk] / total_weight)
            )
            for n in range(share):
                # Every organisation has every group, then the usual mix.
                group = (
                    list(GROUP_WEIGHTS)[n] if n < len(GROUP_WEIGHTS) else groups[n % len(groups)]
                )
                first, last = (
                    given[(n * 7 + organisation.pk) % len(given)],
                    family[(n * 13 + organisation.pk * 31) % len(family)],
                )
                username = f"{first}.{last}.{organisation.pk}.{n}".lower().replace(" ", "")
                users.append(
                    User(
                        username=username,
                        first_name=first,
                        last_name=last,
                        email=f"{username}@example.invalid",
                        password="!",  # noqa: S106 - unusable: the benchmark signs in without one
                        organisation=organisation,
                        group=group,
                        training_level=2 if group == "administrator" else 1,
                        code_of_connection_confirmed_at=self.now,
                        manages_all_organisations=(
                            group == "administrator"
                            and organisation.pk == self.police_id
                            and n == 4
                        ),
                    )
                )
        created = User.objects.bulk_create(users, batch_size=2000)
        bulk_history_create(User, created)
        # The users who lead, write and are given tasks: operational and enhanced, by
        # organisation, numbered from 1 so SQL can pick the n-th.
        self.run(
            "users",
            """
            CREATE TEMP TABLE bench_officer ON COMMIT DROP AS
            SELECT organisation_id, id AS user_id,
                   row_number() OVER (PARTITION BY organisation_id ORDER BY id) AS n
            FROM access_user WHERE "group" IN ('operational', 'enhanced');
            CREATE TEMP TABLE bench_officer_count ON COMMIT DROP AS
            SELECT organisation_id, count(*) AS officers FROM bench_officer
            GROUP BY organisation_id;
            CREATE INDEX ON bench_officer (organisation_id, n);
            """,
        )

    # --- People and incidents -------------------------------------------------------------

    def people(self) -> int:
        people = round(self.incidents * PEOPLE_PER_INCIDENT)
        return self.run(
            "people",
            f"""
            INSERT INTO people_person (
                given_name, family_name, given_name_normalised, family_name_normalised,
                other_names, date_of_birth, estimated_age, gender,
                address, postcode, uprn, phone, email, ni_number, language, ethnicity,
                disability, vulnerability, support_needs, merged_into_id, created_by_id,
                created_at, updated_at, version)
            SELECT (%(given)s::text[])[gi], (%(family)s::text[])[fi],
                   (%(given_normalised)s::text[])[gi], (%(family_normalised)s::text[])[fi], '',
                   CASE WHEN random() < 0.85
                        THEN date '1935-01-01' + floor(random() * 27000)::int END,
                   NULL, {pick("genders")}, {pick("streets")}, {pick("postcodes")}, '',
                   '07' || lpad(floor(random() * 1e9)::bigint::text, 9, '0'), '', '', '',
                   'not_stated', '', '', '', NULL,
                   (SELECT min(id) FROM access_user) + s %% %(users)s,
                   at, at, 1
            FROM (SELECT s, %(started)s + random() * (%(now)s - %(started)s) AS at,
                         1 + floor(random() * cardinality(%(given)s::text[]))::int AS gi,
                         1 + floor(random() * cardinality(%(family)s::text[]))::int AS fi
                  FROM generate_series(1, %(people)s) s) g
            """,
            {
                **self.pools,
                # Each name with the form matching compares it in (Person.save keeps it).
                "given_normalised": [normalise_name(name) for name in self.pools["given"]],
                "family_normalised": [normalise_name(name) for name in self.pools["family"]],
                "genders": GENDERS,
                "users": self.count("access_user"),
                "people": people,
                "started": self.started,
                "now": self.now,
            },
        )

    def make_incidents(self) -> int:
        self.run(
            "incidents",
            """
            CREATE TEMP TABLE bench_leaf (n int, area_id bigint, council_id bigint)
            ON COMMIT DROP;
            """,
        )
        for n, (area_id, council_id) in enumerate(self.leaves, start=1):
            self.run(
                "incidents",
                "INSERT INTO bench_leaf VALUES (%(n)s, %(area)s, %(council)s)",
                {"n": n, "area": area_id, "council": council_id},
            )
        inserted = self.run(
            "incidents",
            f"""
            CREATE TEMP TABLE bench_incident ON COMMIT DROP AS
            SELECT g.s, g.created_at, l.area_id,
                   CASE WHEN g.r_lead < 0.5 THEN %(police)s ELSE l.council_id END AS org_id,
                   g.r_status, g.r_mark, g.r_outcome, g.r_risk, g.r_category, g.r_closed
            FROM (SELECT s, %(started)s + random() * (%(now)s - %(started)s) AS created_at,
                         1 + floor(random() * %(leaves)s)::int AS leaf,
                         random() AS r_lead, random() AS r_status, random() AS r_mark,
                         random() AS r_outcome, random() AS r_risk, random() AS r_category,
                         random() AS r_closed
                  FROM generate_series(1, %(incidents)s) s) g
            JOIN bench_leaf l ON l.n = g.leaf;

            INSERT INTO incidents_incident (
                urn, received_via, received_at, received_by_id, complainant_anonymous,
                complainant_disabled, repeat_victim, vulnerable_other, description,
                first_occurred_at, last_occurred_at, address, postcode, uprn, latitude,
                longitude, area_id, category, pen_code_id, crime_reference,
                is_police_skeleton, is_anonymised, anonymisation_reason, status, marking,
                created_by_id, lead_officer_id, lead_organisation_id, current_risk,
                repeat_victim_flag, repeat_perpetrator_flag, repeat_location_flag,
                victim_clock_from, closed_at, closure_outcome, last_activity_at, version,
                created_at, updated_at)
            SELECT
                'ASB-' || extract(year FROM i.created_at)::int || '-' || lpad((row_number()
                    OVER (PARTITION BY extract(year FROM i.created_at)
                          ORDER BY i.created_at, i.s))::text, 6, '0'),
                (%(channels)s::text[])[1 + i.s %% 6], i.created_at, o.user_id, false,
                i.r_risk < 0.05, i.r_risk < 0.04, i.r_risk > 0.97, {pick("descriptions")},
                i.created_at - interval '2 days', i.created_at, {pick("streets")},
                {pick("postcodes")}, lpad(floor(random() * 1e11)::bigint::text, 12, '0'),
                NULL, NULL, i.area_id,
                CASE WHEN i.r_category < 0.4 THEN 'personal'
                     WHEN i.r_category < 0.85 THEN 'nuisance' ELSE 'environmental' END,
                NULL, '', false, false, '', c.status,
                CASE WHEN i.r_mark < 0.02 THEN 'confidential'
                     WHEN i.r_mark < 0.12 THEN 'protect' ELSE 'restricted' END,
                o.user_id, o.user_id, i.org_id,
                CASE WHEN i.r_risk < 0.1 THEN '' WHEN i.r_risk < 0.7 THEN 'standard'
                     WHEN i.r_risk < 0.92 THEN 'medium' ELSE 'high' END,
                i.r_risk < 0.05, i.r_risk > 0.96, i.r_category > 0.97,
                i.created_at, c.closed_at,
                CASE WHEN c.closed_at IS NULL THEN ''
                     WHEN i.r_outcome < 0.10 THEN 'withdrawn'
                     WHEN i.r_outcome < 0.55 THEN 'resolved'
                     WHEN i.r_outcome < 0.80 THEN 'improved'
                     WHEN i.r_outcome < 0.95 THEN 'no_further_action' ELSE 'referred' END,
                coalesce(c.closed_at, a.active), 1, i.created_at, coalesce(c.closed_at, a.active)
            FROM bench_incident i
            CROSS JOIN LATERAL (
                SELECT least(%(now)s, i.created_at + i.r_closed * interval '60 days') AS active
            ) a
            JOIN bench_officer_count oc ON oc.organisation_id = i.org_id
            JOIN bench_officer o ON o.organisation_id = i.org_id AND o.n = 1 + i.s %% oc.officers
            CROSS JOIN LATERAL (
                SELECT CASE WHEN i.r_status < closed_share THEN 'closed'
                            WHEN i.r_status < closed_share + 0.04 THEN 'submitted'
                            ELSE 'open' END AS status,
                       CASE WHEN i.r_status < closed_share THEN least(
                           %(now)s, i.created_at + interval '5 days'
                                    + i.r_closed * interval '120 days') END AS closed_at
                FROM (SELECT CASE WHEN i.created_at < %(now)s - interval '180 days'
                                  THEN 0.92 ELSE 0.4 END AS closed_share) share
            ) c
            ORDER BY i.created_at, i.s;
            """,
            {
                **self.pools,
                "channels": CHANNELS,
                "police": self.police_id,
                "leaves": len(self.leaves),
                "incidents": self.incidents,
                "started": self.started,
                "now": self.now,
            },
        )
        # The next URN of each year follows on from the generated ones.
        self.run(
            "incidents",
            """
            INSERT INTO incidents_urnsequence (year, last_number)
            SELECT extract(year FROM created_at)::int, count(*)
            FROM incidents_incident GROUP BY 1
            ON CONFLICT (year) DO UPDATE SET last_number = excluded.last_number
            """,
        )
        return inserted

    def involvements(self) -> int:
        """1 + 0.85 + 0.65 = 2.5 per incident: a complainant or victim, usually an alleged
        perpetrator, often a witness; people picked at random, so some recur (repeats)."""
        return self.run(
            "involvements",
            """
            INSERT INTO people_involvement (
                incident_id, person_id, anonymised_label, role, dependant_of_id, risk_notes,
                support_needs, created_by_id, created_at)
            SELECT i.id, p.first + floor(random() * p.people)::bigint, '',
                   CASE slot.n WHEN 1 THEN (CASE WHEN i.r1 < 0.425 THEN 'complainant'
                                                 ELSE 'victim' END)
                               WHEN 2 THEN 'perpetrator' ELSE 'witness' END,
                   NULL, '', '', i.created_by_id, i.created_at
            FROM (SELECT id, created_by_id, created_at, random() AS r1, random() AS r2
                  FROM incidents_incident) i
            CROSS JOIN LATERAL generate_series(
                1, 1 + (i.r1 < 0.85)::int + (i.r2 < 0.65)::int) AS slot(n)
            CROSS JOIN (SELECT min(id) AS first, count(*) AS people FROM people_person) p
            ORDER BY i.id, slot.n
            """,
        )

    def entries(self) -> int:
        """1 to 5 entries per incident (3 on average), a few days apart."""
        return self.run(
            "working sheet",
            f"""
            INSERT INTO incidents_workingsheetentry (
                incident_id, kind, text, occurred_at, author_id, created_at, corrects_id,
                referral_to, involvement_id)
            SELECT i.id, (%(kinds)s::text[])[1 + (i.id + slot.n) %% 6], {pick("notes")},
                   a.at, i.lead_officer_id, a.at, NULL, '', NULL
            FROM (SELECT id, created_at, closed_at, lead_officer_id, random() AS r
                  FROM incidents_incident) i
            CROSS JOIN LATERAL generate_series(1, 1 + floor(i.r * 5)::int) AS slot(n)
            CROSS JOIN LATERAL (
                SELECT least(coalesce(i.closed_at, %(now)s),
                             i.created_at + slot.n * interval '3 days') AS at
            ) a
            ORDER BY i.id, slot.n
            """,
            {**self.pools, "kinds": ENTRY_KINDS, "now": self.now},
        )

    def tasks(self) -> int:
        # Most tasks go to the lead officer; one in twenty to an officer of another partner
        # (the police), which gives that officer access while the task is open (W2).
        return self.run(
            "tasks",
            f"""
            INSERT INTO incidents_task (
                incident_id, title, details, assigned_to_id, assigned_by_id, due_on, status,
                completion_note, completed_at, created_at)
            SELECT i.id, {pick("titles")}, '',
                   CASE WHEN i.r < 0.05 THEN o.user_id ELSE i.lead_officer_id END,
                   i.created_by_id, (i.created_at + interval '14 days')::date,
                   CASE WHEN i.status = 'closed' THEN 'done'
                        WHEN i.r < 0.6 THEN 'open' ELSE 'done' END,
                   '', CASE WHEN i.status = 'closed' OR i.r >= 0.6 THEN i.last_activity_at END,
                   i.created_at
            FROM (SELECT id, status, lead_officer_id, created_by_id, created_at,
                         last_activity_at, random() AS r, random() AS keep
                  FROM incidents_incident) i
            JOIN bench_officer_count oc ON oc.organisation_id = %(police)s
            JOIN bench_officer o ON o.organisation_id = %(police)s
                                AND o.n = 1 + i.id %% oc.officers
            WHERE i.keep < %(chance)s
            ORDER BY i.id
            """,
            {"titles": TASK_TITLES, "police": self.police_id, "chance": TASK_CHANCE},
        )

    def shares(self) -> int:
        """Explicit shares through django-guardian's direct tables, as the share service
        makes them: with a partner (its share group) or with one of its users."""
        shared = self.run(
            "shares",
            """
            INSERT INTO incidents_incidentorganisationshare (
                permission_id, group_id, content_object_id)
            SELECT p.id, o.share_group_id, i.id
            FROM incidents_incident i
            JOIN access_organisation o ON o.id = (SELECT min(id) FROM access_organisation)
                                          + i.id %% (SELECT count(*) FROM access_organisation)
            JOIN auth_permission p ON p.codename = 'view_incident'
            WHERE random() < %(chance)s AND o.id <> i.lead_organisation_id
            """,
            {"chance": ORGANISATION_SHARE_CHANCE},
        )
        return shared + self.run(
            "shares",
            """
            INSERT INTO incidents_incidentusershare (permission_id, user_id, content_object_id)
            SELECT p.id, o.user_id, i.id
            FROM incidents_incident i
            JOIN bench_officer_count oc ON oc.organisation_id <> i.lead_organisation_id
            JOIN bench_officer o ON o.organisation_id = oc.organisation_id
                                AND o.n = 1 + i.id %% oc.officers
            JOIN auth_permission p ON p.codename = 'view_incident'
            WHERE random() < %(chance)s / (SELECT count(*) FROM bench_officer_count)
            """,
            {"chance": USER_SHARE_CHANCE},
        )

    # --- History ------------------------------------------------------------------------------

    def history(self) -> int:
        """A "created" row per record, dated and authored as simple-history would write it."""
        from incidents.models import Incident, Task, WorkingSheetEntry
        from people.models import Involvement, Person

        # (Users' and organisations' history came with bulk_history_create.)
        written = 0
        for model, user in [
            (Person, "created_by_id"),
            (Incident, "created_by_id"),
            (Involvement, "created_by_id"),
            (WorkingSheetEntry, "author_id"),
            (Task, "assigned_by_id"),
        ]:
            written += self.copy_history(model, user)
        return written

    def copy_history(self, model, user_column: str) -> int:
        history = model.history.model
        tracked = [
            field.column
            for field in history._meta.concrete_fields
            if not field.name.startswith("history_")
        ]
        columns = ", ".join(f'"{column}"' for column in tracked)
        return self.run(
            "history",
            f"""
            INSERT INTO {history._meta.db_table} (
                {columns}, history_date, history_change_reason, history_type, history_user_id)
            SELECT {columns}, created_at, NULL, '+', {user_column}
            FROM {model._meta.db_table}
            ORDER BY id
            """,
        )

    def typical_grants(self) -> int:
        """django-guardian's grants for the comparison (bench/guardian.py)."""
        from .guardian import write_typical_grants

        return write_typical_grants(self)


def generate_one(name: str, incidents: int, users: int, seed: int) -> None:
    """Recreate one database, migrate it and load it (run in a process of its own, since
    Django is configured for one database per process)."""
    from . import database

    print(f"{name}: {incidents:,} incidents")
    database.recreate(name)
    database.start_django(name)
    from django.core.management import call_command

    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"  migrated in {time.perf_counter() - began:.0f} s")
    loader = Loader(incidents, users, seed)
    counts = loader.load()
    for what, count in counts.items():
        print(f"  {what:36} {count:>12,}")
    slowest = sorted(loader.timings.items(), key=lambda item: -item[1])
    print("  time by step: " + ", ".join(f"{step} {seconds:.0f} s" for step, seconds in slowest))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument(
        "--baseline", type=int, default=BASELINE_INCIDENTS, help="incidents in the baseline"
    )
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        generate_one(args.one, args.incidents, args.users, args.seed)
        return

    from . import database

    for name, incidents in [(database.BASELINE, args.baseline), (database.FULL, args.incidents)]:
        command = [sys.executable, "-m", "bench.generate", "--one", name]
        command += ["--incidents", str(incidents), "--users", str(args.users)]
        command += ["--seed", str(args.seed)]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
