"""Run the benchmark and write its report (issue 8).

    python -m bench.run

measures the full-size database and the baseline (bench/generate.py makes both), in one run,
then writes a markdown report to bench/results/ and prints each goal with PASS or FAIL.
The goals are the project's performance targets; they are never assertions of the test
suite, and a FAIL does not change the exit status (a missing database does).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
LIST_USERS = {
    "district": "operational user of a district council (district scope)",
    "police": "operational user of the police (all areas)",
    "county": "operational user of the county council (county scope)",
}


@dataclass
class Goal:
    name: str
    measured: str
    passed: bool
    indicative: bool = False

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "FAIL"


def _measure(name: str, repeat: int, *extra: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [sys.executable, "-m", "bench.measure", "--database", name]
        command += ["--out", out.name, "--repeat", str(repeat), *extra]
        subprocess.run(command, check=True)
        return json.loads(Path(out.name).read_text())


def goals(full: dict, baseline: dict) -> list[Goal]:
    found = []
    for who in LIST_USERS:
        page, raw = full["lists"][who], full["lists"][who]["raw_sql"]
        ratio = page["median_ms"] / raw["median_ms"]
        found.append(
            Goal(
                f"list ({who}): server time <= 2x its raw SQL",
                f"{page['median_ms']:.1f} ms vs {raw['median_ms']:.1f} ms = {ratio:.2f}x",
                ratio <= 2,
            )
        )
    for who in LIST_USERS:
        at_full, at_base = full["lists"][who]["p95_ms"], baseline["lists"][who]["p95_ms"]
        growth = at_full / at_base
        found.append(
            Goal(
                f"list ({who}): p95 at {full['incidents']:,} <= 1.5x p95 at "
                f"{baseline['incidents']:,}",
                f"{at_full:.1f} ms vs {at_base:.1f} ms = {growth:.2f}x",
                growth <= 1.5,
            )
        )
    for who in LIST_USERS:
        scoping = full["scoping"][who]
        ours, theirs = scoping["ours"], scoping["guardian"]
        more = "more than " if theirs.get("timed_out") else ""
        found.append(
            Goal(
                f"scoping ({who}): ours >= 10x faster than guardian per-object grants",
                f"{ours['median_ms']:.1f} ms vs {more}{theirs['median_ms']:.1f} ms = "
                f"{_speedup(ours, theirs)}",
                theirs["median_ms"] / ours["median_ms"] >= 10,
            )
        )
    each = full["detail"]["page_queries_each"] + baseline["detail"]["page_queries_each"]
    found.append(
        Goal(
            "detail page: <= 15 queries, constant",
            f"{sorted(set(each))} over {len(each)} incidents at both sizes",
            max(each) <= 15 and len(set(each)) == 1,
        )
    )
    sweep = full["sweep"]
    found.append(
        Goal(
            "retention sweep >= 5,000 incidents/s including history",
            f"{sweep['erased']:,} incidents and {sweep['history_rows_erased']:,} history rows "
            f"in {sweep['erasure_s']:.2f} s = {sweep['incidents_per_s']:,.0f}/s",
            sweep["erased"] > 0 and sweep["incidents_per_s"] >= 5000,
        )
    )
    search, report = full["person_search"], full["report"]
    found.append(
        Goal(
            "person search median <= 100 ms",
            f"{search['median_ms']:.1f} ms",
            search["median_ms"] <= 100,
            indicative=True,
        )
    )
    found.append(
        Goal(
            "ad-hoc report median <= 500 ms",
            f"{report['median_ms']:.1f} ms",
            report["median_ms"] <= 500,
            indicative=True,
        )
    )
    return found


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    return f"{cpu}, {os.cpu_count()} cores{memory}; {platform.platform()}"


def _speedup(ours: dict, theirs: dict) -> str:
    at_least = "at least " if theirs.get("timed_out") else ""
    return f"{at_least}{theirs['median_ms'] / ours['median_ms']:.0f}x"


def _ms(summary: dict) -> str:
    return f"{summary['median_ms']:.1f} / {summary['p95_ms']:.1f}"


def report(full: dict, baseline: dict, found: list[Goal], started: datetime) -> str:
    import django

    lines = [
        f"# Benchmark: {full['incidents']:,} incidents",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC with `python -m bench.run`.",
        "",
        f"- Machine: {machine()}.",
        f"- {full['postgres'].split(' on ')[0]}; Python {platform.python_version()}; "
        f"Django {django.get_version()}.",
        f"- Full database: {full['incidents']:,} incidents, {full['database_size']}. "
        f"Baseline: {baseline['incidents']:,} incidents, {baseline['database_size']}.",
        "- Times are server-side (Django's test client through the whole stack), in "
        "milliseconds, median / 95th percentile. Raw SQL: the page's own statements run "
        "directly on a psycopg connection.",
        "",
        "## Goals",
        "",
        "| Goal | Measured | Result |",
        "| --- | --- | --- |",
    ]
    for goal in found:
        verdict = goal.verdict + (" (indicative)" if goal.indicative else "")
        lines.append(f"| {goal.name} | {goal.measured} | {verdict} |")
    lines += [
        "",
        "## Incident list (home page, first page of 25)",
        "",
        "| User | Server | Raw SQL | Server / raw | Queries | Baseline server | p95 growth |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for who, label in LIST_USERS.items():
        page, base = full["lists"][who], baseline["lists"][who]
        lines.append(
            f"| {label} | {_ms(page)} | {_ms(page['raw_sql'])} | "
            f"{page['median_ms'] / page['raw_sql']['median_ms']:.2f}x | {page['queries']} | "
            f"{_ms(base)} | {page['p95_ms'] / base['p95_ms']:.2f}x |"
        )
    floor = full["floor"]
    lines += [
        "",
        f"The stack's floor: a signed-in page with hardly any SQL (the account page, "
        f"{floor['queries']} queries, raw SQL {_ms(floor['raw_sql'])}) takes {_ms(floor)} "
        "through the same middleware, sessions and templates.",
    ]
    detail = full["detail"]
    lines += [
        "",
        "## Detail, search and report",
        "",
        "| Request | Server | Raw SQL | Queries |",
        "| --- | --- | --- | --- |",
        f"| Incident page | {_ms(detail['page'])} | {_ms(detail['page']['raw_sql'])} | "
        f"{', '.join(map(str, detail['page_queries_each']))} |",
        f"| Incident API | {_ms(detail['api'])} | {_ms(detail['api']['raw_sql'])} | "
        f"{', '.join(map(str, detail['api_queries_each']))} |",
    ]
    for label, key in [
        ("Person search (trigram, a typo in the name)", "person_search"),
        ("Ad-hoc county report (filters, count, area x month summary)", "report"),
    ]:
        row = full[key]
        lines.append(f"| {label} | {_ms(row)} | {_ms(row['raw_sql'])} | {row['queries']} |")
    lines += [
        "",
        "## Scoping: our policy against django-guardian per-object grants",
        "",
        "The same incident list computed by `policy.visible_incidents` and by guardian's "
        "`get_objects_for_user` over generic per-object grants (the generator writes grants "
        "giving exactly the access our policy gives: the counts and first pages agree). "
        "*List*: what the home page computes, the count up to its limit and the newest 25. "
        "*Full count*: Django's plain paginator, which counts every incident the user may "
        "see, as a typical project's list does.",
        "",
        "| User | List: ours | List: guardian | Speed-up | Full count: ours | "
        "Full count: guardian | Speed-up | Incidents seen (ours / guardian) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for who, label in LIST_USERS.items():
        row = full["scoping"][who]
        cells = [label]
        for key in ("", "_full"):
            mine, theirs = row[f"ours{key}"], row[f"guardian{key}"]
            late = " (timed out)" if theirs.get("timed_out") else ""
            cells += [_ms(mine), _ms(theirs) + late, _speedup(mine, theirs)]
        seen = [row["ours_full_count"], row["guardian_full_count"]]
        cells.append(" / ".join("timed out" if n is None else f"{n:,}" for n in seen))
        lines.append("| " + " | ".join(cells) + " |")
    sweep = full["sweep"]
    lines += [
        "",
        "## Retention sweep",
        "",
        f"{sweep['due_selected']:,} due incidents selected in {sweep['selection_s']:.2f} s; "
        f"{sweep['erased']:,} erased with {sweep['history_rows_erased']:,} history rows in "
        f"{sweep['erasure_s']:.2f} s, in batches of {sweep['batch_size']} "
        f"(**{sweep['incidents_per_s']:,.0f} incidents/s**), rolled back afterwards.",
        "",
        "Where the time goes (the steps of `retention.erasure.erase_incidents`):",
        "",
        "| Step | Seconds | Per 1,000 incidents | Share |",
        "| --- | --- | --- | --- |",
    ]
    steps = sweep["steps_s"]
    for step, seconds in steps.items():
        per_thousand = seconds / sweep["erased"] * 1000 if sweep["erased"] else 0
        share = seconds / sum(steps.values()) if sum(steps.values()) else 0
        lines.append(f"| {step} | {seconds:.2f} | {per_thousand:.3f} s | {share:.0%} |")
    lines += [
        "",
        "## Slowest queries",
    ]
    for plan in full["plans"]:
        lines += [
            "",
            f"{plan['ms']:.1f} ms on average:",
            "",
            "```sql",
            plan["sql"],
            "```",
            "",
            "```",
            plan["plan"],
            "```",
        ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    from . import database

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="requests per measurement")
    parser.add_argument("--sweep-limit", type=int, default=20_000)
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write")
    args = parser.parse_args(argv)
    for name in (database.FULL, database.BASELINE):
        if not database.exists(name):
            sys.exit(f"No database {name}: generate it first with `python -m bench.generate`.")
    started = datetime.utcnow()
    full = _measure(database.FULL, args.repeat, "--sweep-limit", str(args.sweep_limit))
    baseline = _measure(database.BASELINE, args.repeat, "--baseline")
    found = goals(full, baseline)
    database.start_django(database.FULL)
    args.results.mkdir(parents=True, exist_ok=True)
    path = args.results / f"{full['incidents']}-incidents.md"
    path.write_text(report(full, baseline, found, started))
    (args.results / f"{full['incidents']}-incidents.json").write_text(
        json.dumps({"full": full, "baseline": baseline}, indent=2, default=str)
    )
    width = max(len(goal.name) for goal in found)
    for goal in found:
        note = " (indicative)" if goal.indicative else ""
        print(f"{goal.verdict}  {goal.name:<{width}}  {goal.measured}{note}")
    print(f"Report: {path}")


if __name__ == "__main__":
    main()
