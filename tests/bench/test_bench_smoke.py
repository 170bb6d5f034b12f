"""The benchmark at a tiny size, as CI runs it (issue 8): both commands of bench/README.md
work, and what they produce is right. Timings are never asserted here (they belong to the
benchmark's report); what is asserted is that the generator builds the data it says it
does, that the typical django-guardian grants it writes give exactly the access our policy
gives (so the comparison compares like with like), and that the report has every goal."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from bench.measure import ERASURE_STEPS

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
INCIDENTS, BASELINE, USERS = 1500, 600, 60


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark needs PostgreSQL (set DATABASE_URL)")
    name = f"sentinel_bench_smoke_{uuid.uuid4().hex[:8]}"
    server = connection.settings_dict
    host, port = server["HOST"] or "127.0.0.1", server["PORT"] or 5432
    env = {
        **os.environ,
        "BENCH_DATABASE": name,
        "BENCH_DATABASE_URL": f"postgres://{server['USER']}@{host}:{port}/",
    }
    results = tmp_path_factory.mktemp("bench")

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    generated = run(
        "bench.generate",
        *("--incidents", str(INCIDENTS), "--baseline", str(BASELINE), "--users", str(USERS)),
    )
    try:
        printed = run("bench.run", "--repeat", "2", "--results", str(results))
    finally:
        import psycopg

        with psycopg.connect(env["BENCH_DATABASE_URL"] + "postgres", autocommit=True) as admin:
            for database in (name, f"{name}_baseline"):
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    data = json.loads((results / f"{INCIDENTS}-incidents.json").read_text())
    report = (results / f"{INCIDENTS}-incidents.md").read_text()
    return generated, printed, data, report


def test_the_generator_loads_the_sizes_asked_for(bench_run):
    generated, _, data, _ = bench_run
    assert data["full"]["incidents"] == INCIDENTS
    assert data["baseline"]["incidents"] == BASELINE
    counts = dict(
        line.strip().rsplit(maxsplit=1)
        for line in generated.splitlines()
        if line.startswith("  ") and line.strip()[-1].isdigit()
    )
    people = int(counts["people"].replace(",", ""))
    involvements = int(counts["involvements"].replace(",", ""))
    assert people == INCIDENTS * 3 // 2
    # 2.5 per incident on average: comfortably inside these bounds at this size.
    assert 2.3 * INCIDENTS < involvements < 2.7 * INCIDENTS
    assert int(counts["organisations"]) == 15
    assert int(counts["history rows"].replace(",", "")) > people + INCIDENTS + involvements


def test_the_typical_grants_give_exactly_our_access(bench_run):
    _, _, data, _ = bench_run
    for who, row in data["full"]["scoping"].items():
        assert row["ours_full_count"] > 0, who
        assert row["guardian_full_count"] == row["ours_full_count"], who
        assert row["guardian_count"] == row["ours_count"] <= row["ours_full_count"], who
        assert row["same_first_page"] and row["same_first_page_full"], who


def test_every_measurement_ran(bench_run):
    _, _, data, _ = bench_run
    full = data["full"]
    for who in ("district", "police", "county"):
        page = full["lists"][who]
        assert page["queries"] > 0 and page["raw_sql"]["runs"] == 2
        assert data["baseline"]["lists"][who]["runs"] == 2
    assert full["floor"]["queries"] > 0 and full["floor"]["runs"] == 2
    assert full["detail"]["page_queries_each"] and full["detail"]["api_queries_each"]
    assert full["person_search"]["queries"] > 0
    assert full["report"]["queries"] > 0
    assert full["sweep"]["erased"] > 0
    assert full["sweep"]["history_rows_erased"] > full["sweep"]["erased"]
    # Where the sweep's time went: every step of erase_incidents, adding up to the whole.
    steps = full["sweep"]["steps_s"]
    assert set(steps) == {*ERASURE_STEPS, "other"}
    assert all(seconds >= 0 for seconds in steps.values()), steps
    assert sum(steps.values()) <= full["sweep"]["erasure_s"] + 0.01
    assert full["plans"] and all("Execution Time" in plan["plan"] for plan in full["plans"])


def test_the_sweep_measurement_leaves_the_database_as_it_was(bench_run):
    """The sweep is measured in a transaction that is rolled back: the incidents the sweep
    erased in the measurement are still there for the next run."""
    _, _, data, _ = bench_run
    assert data["full"]["incidents"] == INCIDENTS  # counted before the sweep ran
    assert data["full"]["incidents_after"] == INCIDENTS


def test_the_report_prints_and_writes_every_goal(bench_run):
    _, printed, _, report = bench_run
    goals = [
        "server time <= 2x its raw SQL",
        "p95 at",
        "ours >= 10x faster than guardian",
        "detail page: <= 15 queries, constant",
        "retention sweep >= 5,000 incidents/s",
        "person search median <= 100 ms",
        "ad-hoc report median <= 500 ms",
    ]
    for goal in goals:
        assert goal in report
        assert any(
            goal in line and line.split()[0] in ("PASS", "FAIL") for line in printed.splitlines()
        ), goal
    assert "The stack's floor" in report
    assert "Execution Time" in report  # the slowest queries' plans, with EXPLAIN ANALYZE
