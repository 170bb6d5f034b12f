"""Measure one benchmark database (issue 8): run by bench/run.py, once per database.

    python -m bench.measure --database sentinel_bench --out results.json [--baseline]

Every page goes through Django's whole stack (middleware, sessions, the access policy,
templates) with Django's test client, signed in as a real user of the generated partnership,
so the times are server-side times without the network. For each measurement: the median and
95th percentile over repeated requests, the number of SQL queries, and the SQL itself.

"Raw SQL" is the limit a page could reach: exactly the statements the page ran (captured
from one request, parameters bound), executed again directly on a psycopg connection in one
transaction that is rolled back, with no Django in between.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from contextlib import contextmanager
from datetime import timedelta

# How long guardian's list may take before the benchmark records "more than this".
GUARDIAN_TIMEOUT_S = 60
# A comparison that takes longer than this once is not repeated.
SLOW_S = 5
# A name typed with a typo, as a user would (trigram search must still find it).
TYPO = {"a": "e", "e": "a", "o": "u", "i": "y"}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def summary(seconds: list[float]) -> dict:
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 3),
        "p95_ms": round(percentile(seconds, 0.95) * 1000, 3),
        "runs": len(seconds),
    }


def timed(call, repeat: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        call()
    seconds = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - began)
    return seconds


class Bench:
    def __init__(self, repeat: int):
        self.repeat = repeat
        self.slow_queries: list[dict] = []

    # --- Signing in --------------------------------------------------------------------------

    def user(self, organisation: str, group: str):
        from access.models import User

        return (
            User.objects.select_related("organisation")
            .filter(organisation__name=organisation, group=group, is_active=True)
            .order_by("pk")
            .first()
        )

    def client(self, user):
        """A test client signed in as `user`; for a user who needs two factors, with the
        second one already given (as the test suite's force_login does: the application
        itself only ever accepts a real code)."""
        from django.test import Client
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from access import policy

        client = Client()
        client.force_login(user)
        if policy.requires_two_factor(user):
            device, _ = TOTPDevice.objects.get_or_create(
                user=user, name="Benchmark device", defaults={"confirmed": True}
            )
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        return client

    # --- One request, many times -------------------------------------------------------------

    def page(self, client, method: str, path: str, **kwargs) -> dict:
        """Time a request; count and keep its queries; time its raw SQL."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def request():
            response = getattr(client, method)(path, **kwargs)
            if response.status_code != 200:
                raise AssertionError(f"{method.upper()} {path} answered {response.status_code}")
            return response

        with CaptureQueriesContext(connection) as captured:
            request()
        statements = [query["sql"] for query in captured.captured_queries]
        result = summary(timed(request, self.repeat))
        result["queries"] = len(statements)
        result["raw_sql"] = self.raw(statements)
        return result

    def raw(self, statements: list[str]) -> dict:
        """The statements, executed directly: the same SQL without Django."""
        import psycopg
        from django.db import connection

        url = connection.settings_dict
        with psycopg.connect(
            dbname=url["NAME"],
            user=url["USER"],
            host=url["HOST"],
            port=url["PORT"] or 5432,
            password=url["PASSWORD"] or None,
            # The application's own session settings (jit=off: sentinel/settings.py).
            options=url["OPTIONS"].get("options", ""),
        ) as raw:
            per_statement = [0.0] * len(statements)

            def run():
                with raw.cursor() as cursor:
                    for n, sql in enumerate(statements):
                        began = time.perf_counter()
                        cursor.execute(sql.encode(), prepare=False)
                        if cursor.description:
                            cursor.fetchall()
                        per_statement[n] += time.perf_counter() - began
                raw.rollback()

            seconds = timed(run, self.repeat)
        runs = self.repeat + 2
        for n, sql in enumerate(statements):
            self.slow_queries.append({"sql": sql, "ms": per_statement[n] / runs * 1000})
        return summary(seconds)

    # --- What the issue asks for -------------------------------------------------------------

    def list_users(self) -> dict:
        return {
            "district": self.user("Charnwood Borough Council", "operational"),
            "police": self.user("Leicestershire Police", "operational"),
            "county": self.user("Leicestershire County Council", "operational"),
        }

    def lists(self) -> dict:
        return {
            who: self.page(self.client(user), "get", "/")
            for who, user in self.list_users().items()
        }

    def floor(self) -> dict:
        """The stack's own cost: a signed-in page with hardly any SQL (the user's account
        page), through the same middleware, sessions and templates as the lists."""
        return self.page(self.client(self.list_users()["police"]), "get", "/account/")

    def details(self) -> dict:
        from access import policy

        user = self.list_users()["district"]
        client = self.client(user)
        incidents = list(
            policy.visible_incidents(user).order_by("-pk").values_list("urn", flat=True)[:5]
        )
        pages = [self.page(client, "get", f"/incidents/{urn}/") for urn in incidents]
        api = [self.page(client, "get", f"/api/v1/incidents/{urn}/") for urn in incidents]
        return {
            "page": pages[0],
            "page_queries_each": [page["queries"] for page in pages],
            "api": api[0],
            "api_queries_each": [page["queries"] for page in api],
        }

    def person_search(self) -> dict:
        from people.models import Person

        user = self.list_users()["district"]
        person = Person.objects.order_by("pk")[Person.objects.count() // 2]
        family = "".join(TYPO.get(c, c) if n == 2 else c for n, c in enumerate(person.family_name))
        return self.page(
            self.client(user),
            "post",
            "/api/v1/search/",
            data={"kind": "people", "family_name": family, "given_name": person.given_name},
            content_type="application/json",
        )

    def report(self) -> dict:
        from django.utils import timezone

        analyst = self.user("Leicestershire County Council", "analyst")
        today = timezone.localdate()
        return self.page(
            self.client(analyst),
            "post",
            "/api/v1/reports/run/",
            data={
                "purpose": "Benchmark: county-wide nuisance and personal ASB in the last year",
                "subject": "incidents",
                "reported_from": str(today - timedelta(days=365)),
                "reported_to": str(today),
                "categories": ["personal", "nuisance"],
                "group_rows": "area",
                "group_columns": "month",
            },
            content_type="application/json",
        )

    # --- Ours against the typical approach ----------------------------------------------------

    def scoping(self) -> dict:
        """The incident list computed by our policy and by django-guardian's
        `get_objects_for_user` over generic per-object grants (bench/generate.py writes
        grants giving exactly our access), for the same users on the same data:

        - "list": what the home page computes - the count up to its limit and the newest 25;
        - "full count": Django's plain paginator, which counts every incident the user may
          see, as a typical project's list does.
        """
        from django.core.paginator import Paginator
        from django.db import OperationalError, connection, transaction
        from guardian.shortcuts import get_objects_for_user

        from access import policy
        from common.pagination import CappedPaginator
        from incidents.models import Incident
        from incidents.views.case import LIST_LIMIT, PAGE_SIZE

        from .guardian import generic_guardian_grants

        def first_page(queryset, capped: bool):
            queryset = queryset.select_related(
                "area", "lead_organisation", "lead_officer"
            ).order_by("-created_at", "-id")
            if capped:
                paginator = CappedPaginator(queryset, PAGE_SIZE, limit=LIST_LIMIT)
            else:
                paginator = Paginator(queryset, PAGE_SIZE)
            page = paginator.get_page(1)
            return paginator.count, [incident.pk for incident in page.object_list]

        def ours(user, capped):
            return first_page(policy.visible_incidents(user), capped)

        def typical(user, capped):
            """Guardian's answer, given up after GUARDIAN_TIMEOUT_S so the run finishes."""
            with generic_guardian_grants(), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {GUARDIAN_TIMEOUT_S * 1000}")
                queryset = get_objects_for_user(
                    user, "incidents.view_incident", Incident.objects.all(),
                    accept_global_perms=False,
                )  # fmt: skip
                return first_page(queryset, capped)

        def measured(compute, user, capped, repeat):
            try:
                began = time.perf_counter()
                answer = compute(user, capped)
                first = time.perf_counter() - began
                if first > SLOW_S:  # a minute a time: once is measurement enough
                    return answer, summary([first])
                return answer, summary(timed(lambda: compute(user, capped), repeat, 0))
            except OperationalError:  # cancelled by the statement timeout
                limit = GUARDIAN_TIMEOUT_S * 1000.0
                return (None, []), {"median_ms": limit, "p95_ms": limit, "timed_out": True}

        results = {}
        few = min(self.repeat, 3)  # guardian can take a minute a time at full size
        for who, user in self.list_users().items():
            row = {}
            for key, capped, repeat in [("", True, self.repeat), ("_full", False, few)]:
                mine, row[f"ours{key}"] = measured(ours, user, capped, repeat)
                theirs, row[f"guardian{key}"] = measured(typical, user, capped, few)
                row[f"ours{key}_count"], row[f"guardian{key}_count"] = mine[0], theirs[0]
                row[f"same_first_page{key}"] = mine[1] == theirs[1]
            results[who] = row
        return results

    # --- The retention sweep ------------------------------------------------------------------

    def sweep(self, limit: int) -> dict:
        """The sweep over (at most `limit` of) today's due incidents, batch by batch exactly as
        `run_sweep` does, in a transaction rolled back afterwards so the database stays the
        same for the next run. The deferred foreign-key checks are forced before the rollback
        (SET CONSTRAINTS ALL IMMEDIATE), so their cost is counted as a commit would."""
        from django.conf import settings
        from django.db import connection
        from django.utils import timezone

        from audit.models import AuditEvent
        from retention import erasure
        from retention.models import DeletionFlag, ErasedIncident, PendingFileDeletion
        from retention.rules import active_rules
        from retention.sweep import due_incidents

        history_tables = _history_tables()
        batch = settings.RETENTION_SWEEP_BATCH_SIZE
        # The rows an earlier run inserted and rolled back (audit events, tombstones) are dead
        # but still in the tables and indexes, where the audit chain's trigger would step over
        # them: gone, each run starts as the first did.
        with connection.cursor() as cursor:
            for model in (AuditEvent, ErasedIncident, PendingFileDeletion):
                cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
        with rolled_back(), erasure_steps_timed() as steps:
            began = time.perf_counter()
            selected_at = timezone.now()
            due = list(
                due_incidents(rules=active_rules())
                .filter(deletion_flag=DeletionFlag.AUTOMATIC)
                .order_by("pk")
                .values_list("pk", flat=True)[:limit]
            )
            selection = time.perf_counter() - began
            history_before = _count_rows(history_tables)
            began = time.perf_counter()
            erased = 0
            for start in range(0, len(due), batch):
                tombstones, _ = erasure.erase_incidents(
                    due[start : start + batch],
                    unchanged_since=selected_at,
                    decided=ErasedIncident.DecidedBy.SWEEP,
                    require_flag=DeletionFlag.AUTOMATIC,
                )
                erased += len(tombstones)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            erasing = time.perf_counter() - began
            history_erased = history_before - _count_rows(history_tables)
        return {
            "due_selected": len(due),
            "erased": erased,
            "history_rows_erased": history_erased,
            "batch_size": batch,
            "selection_s": round(selection, 3),
            "erasure_s": round(erasing, 3),
            "incidents_per_s": round(erased / erasing, 1) if erasing else 0.0,
            "steps_s": {step: round(seconds, 3) for step, seconds in steps.items()},
        }

    # --- Plans ----------------------------------------------------------------------------------

    def plans(self, how_many: int = 5) -> list[dict]:
        """EXPLAIN ANALYZE of the slowest distinct SELECTs seen."""
        from django.db import connection

        slowest = {}
        for query in sorted(self.slow_queries, key=lambda q: -q["ms"]):
            sql = query["sql"]
            if sql.lstrip().upper().startswith("SELECT") and sql not in slowest:
                slowest[sql] = query["ms"]
            if len(slowest) == how_many:
                break
        plans = []
        with connection.cursor() as cursor:
            for sql, ms in slowest.items():
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
                plans.append({"sql": sql, "ms": round(ms, 3), "plan": plan})
        return plans


@contextmanager
def rolled_back():
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# The steps of retention/erasure.py's `erase_incidents` whose time the sweep reports, so
# that its rate comes with where the time goes: {label: (attribute of the module, name)}.
ERASURE_STEPS = {
    "lock and check the incidents": (None, "_eligible"),
    "collect the related rows": ("_Collection", "add"),
    "find the people in no other incident": (None, "_orphaned_people"),
    "delete the records": ("_Collection", "delete"),
    "delete their history": (None, "_delete_history"),
    "foreign-key checks (PostgreSQL)": (None, "_check_foreign_keys_now"),
    "audit events (chained)": (None, "record_events"),
}


@contextmanager
def erasure_steps_timed():
    """Time the steps of `erase_incidents` (ERASURE_STEPS) while inside: {label: seconds},
    the rest of each batch under "other"."""
    from retention import erasure

    seconds: dict = dict.fromkeys(ERASURE_STEPS, 0.0)
    originals = []

    def timing(label, function):
        def timed_step(*args, **kwargs):
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[label] += time.perf_counter() - began

        return timed_step

    erase = erasure.erase_incidents
    total = [0.0]

    def erase_incidents(*args, **kwargs):
        began = time.perf_counter()
        try:
            return erase(*args, **kwargs)
        finally:
            total[0] += time.perf_counter() - began

    for label, (owner_name, name) in ERASURE_STEPS.items():
        owner = getattr(erasure, owner_name) if owner_name else erasure
        originals.append((owner, name, getattr(owner, name)))
        setattr(owner, name, timing(label, getattr(owner, name)))
    originals.append((erasure, "erase_incidents", erase))
    erasure.erase_incidents = erase_incidents
    try:
        yield seconds
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
        seconds["other"] = total[0] - sum(seconds.values())


def _history_tables() -> list[str]:
    from django.apps import apps

    return [
        model._meta.db_table
        for model in apps.get_models()
        if model.__name__.startswith("Historical")
    ]


def _count_rows(tables: list[str]) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT " + " + ".join(f"(SELECT count(*) FROM {t})" for t in tables))
        return cursor.fetchone()[0]


def measure(repeat: int, baseline: bool, sweep_limit: int) -> dict:
    from django.db import connection

    from incidents.models import Incident

    bench = Bench(repeat)
    results = {"incidents": Incident.objects.count(), "lists": bench.lists()}
    results["floor"] = bench.floor()
    results["detail"] = bench.details()
    if not baseline:
        results["person_search"] = bench.person_search()
        results["report"] = bench.report()
        results["scoping"] = bench.scoping()
        results["sweep"] = bench.sweep(sweep_limit)
        results["plans"] = bench.plans()
    results["incidents_after"] = Incident.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), pg_size_pretty(pg_database_size(current_database()))")
        results["postgres"], results["database_size"] = cursor.fetchone()
    return results


def main(argv=None) -> None:
    from . import database

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--baseline", action="store_true", help="only the lists and the detail page"
    )
    parser.add_argument("--sweep-limit", type=int, default=20_000)
    args = parser.parse_args(argv)
    database.start_django(args.database)
    results = measure(args.repeat, args.baseline, args.sweep_limit)
    with open(args.out, "w") as out:
        json.dump(results, out, indent=2, default=str)


if __name__ == "__main__":
    main()
