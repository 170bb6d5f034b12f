"""The import rules of docs/architecture.md, checked on the real import graph (grimp, the
library behind import-linter): a new import that breaks a rule fails the suite.

1. No import cycle between modules (a function-level import counts: it is still a cycle).
2. Models import no policy, services, forms, views or API.
3. Services import no forms, views or API (they take the acting user and plain values).
4. The access policy imports no services, forms, views or API.
5. `common` (shared helpers) imports no app; `sentinel` (settings, URLs, the Celery app) is
   the wiring: apps import nothing from it but the Celery app.
6. The case apps are layered: `incidents` below `people` below `complaints`, with `reports`
   and `retention` above them; no app imports one above it.

The audit core (audit.models, audit.services, audit.chain) is the ground floor: every layer
records events through it.
"""

from __future__ import annotations

import re
from functools import cache

import grimp
import pytest

APPS = (
    "access",
    "audit",
    "common",
    "complaints",
    "incidents",
    "people",
    "reports",
    "retention",
    "sentinel",
)
IGNORED = re.compile(r"\.(migrations|management)(\.|$)")

MODELS = re.compile(r"^\w+\.models(\.|$)")
SERVICES = re.compile(r"^\w+(\.\w+)*\.services(\.|$)")
# The audit core (events and their chain) is the ground floor: everyone records events.
AUDIT_CORE = re.compile(r"^audit\.(models|services|chain)$")
POLICY = re.compile(r"^access\.policy(\.|$)")
EDGES = re.compile(r"(^|\.)(forms\w*|views|api|urls\w*|\w+_views)(\.|$)")


@cache
def graph():
    return grimp.build_graph(*APPS)


def modules() -> list[str]:
    return sorted(m for m in graph().modules if not IGNORED.search(m))


def imports(module: str) -> set[str]:
    return {m for m in graph().find_modules_directly_imported_by(module) if not IGNORED.search(m)}


def cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in modules():
        if root in index:
            continue
        work = [(root, iter(sorted(imports(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(imports(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle_between_modules():
    assert cycles() == []


def _breaking(importers: re.Pattern, forbidden: list[re.Pattern]) -> list[str]:
    return [
        f"{module} -> {imported}"
        for module in modules()
        if importers.search(module)
        for imported in sorted(imports(module))
        if any(rule.search(imported) for rule in forbidden) and not AUDIT_CORE.search(imported)
    ]


def test_models_import_no_policy_services_forms_views_or_api():
    assert _breaking(MODELS, [POLICY, SERVICES, EDGES]) == []


def test_services_import_no_forms_views_or_api():
    assert _breaking(SERVICES, [EDGES]) == []


def test_the_policy_imports_no_services_forms_views_or_api():
    assert _breaking(POLICY, [SERVICES, EDGES]) == []


@pytest.mark.parametrize(
    ("importers", "forbidden", "example"),
    [
        (MODELS, [POLICY], ("incidents.models.incident", "access.policy.cases")),
        (SERVICES, [EDGES], ("complaints.services", "complaints.forms")),
        (POLICY, [SERVICES], ("access.policy.cases", "incidents.services.reference")),
    ],
)
def test_the_rules_catch_what_they_forbid(importers, forbidden, example):
    """The patterns match the modules they are about, so a rule cannot pass by matching
    nothing."""
    importer, imported = example
    assert importers.search(importer)
    assert any(rule.search(imported) for rule in forbidden)


def test_common_imports_no_app_and_apps_import_only_the_celery_app_from_sentinel():
    apps = re.compile(r"^(access|audit|incidents|people|reports|retention|sentinel)(\.|$)")
    assert _breaking(re.compile(r"^common(\.|$)"), [apps]) == []
    wiring = re.compile(r"^sentinel\.(?!celery$)")
    app_modules = re.compile(r"^(access|audit|common|incidents|people|reports|retention)(\.|$)")
    assert _breaking(app_modules, [wiring]) == []


def test_the_audit_core_imports_no_other_app():
    """The audit core is the ground floor: it records events for everyone and needs no one."""
    core = re.compile(r"^audit\.(models|services|chain)$")
    others = re.compile(r"^(access|incidents|people|reports|retention|sentinel)(\.|$)")
    assert _breaking(core, [others]) == []


# Each case app and the apps above it (which it must not import).
LAYERS = {
    "incidents": ("people", "complaints", "reports", "retention"),
    "people": ("complaints", "reports", "retention"),
    "complaints": ("reports", "retention"),
}


@pytest.mark.parametrize("app", sorted(LAYERS))
def test_the_case_apps_import_no_app_above_them(app):
    """A person is involved in an incident, so people builds on incidents, never the other
    way (the incident reaches its people through the ORM's relations and the registries of
    case sections and reference lists); logging a complaint builds on both."""
    above = re.compile(rf"^({'|'.join(LAYERS[app])})(\.|$)")
    assert _breaking(re.compile(rf"^{app}(\.|$)"), [above]) == []
