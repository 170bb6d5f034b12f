"""The schema fuzzer (schemathesis) over every operation of the API's OpenAPI schema: no server
error, every answer as the schema describes it (status, content type, body), schema-invalid
requests refused (#24 item 8).

Each operation is one test (so pytest-xdist spreads them over its workers), signed in with
an API token as Blaby's administrator of the access scenario (tests/access/scenario.py), who
may use every endpoint. Every request schemathesis generates is sent as it was generated,
and, if it names a record, once more naming a real one: the next of the scenario's incidents
in turn - in Blaby's area, out of it, shared with Blaby - or its task, entry, document ...,
so that the fuzzer meets real records as well as missing ones. Bounded to fit CI: a few
requests per operation, derandomised.
"""

# Fixtures shared with other tests are imported; pytest passes them in by name.
# ruff: noqa: F401, F811

import itertools
import os
from io import StringIO

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from access.models import UserGroup
from incidents.services.tasks import send_alert
from reports.queries import ReportDefinition
from reports.services import save_report
from tests.access.scenario import RECORDS
from tests.incidents.test_documents import documents_by_record
from tests.incidents.test_risk import assessments_by_record, questions
from tests.incidents.test_tasks_access import world
from tests.incidents.test_worksheet_access import entries
from tests.people.conftest import people

# Requests generated per operation, valid and invalid ones alike: about a minute over the
# whole API on two cores. SENTINEL_FUZZ_EXAMPLES=25 SENTINEL_FUZZ_COVERAGE=1 fuzzes far
# deeper (the coverage phase: every field's boundaries, wrong types, unexpected methods),
# in about twenty minutes on one core: worth it when the API changes.
MAX_EXAMPLES = int(os.environ.get("SENTINEL_FUZZ_EXAMPLES", "6"))
COVERAGE = os.environ.get("SENTINEL_FUZZ_COVERAGE", "") == "1"

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 24,
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True},
        "phases": {"coverage": {"enabled": COVERAGE}, "stateful": {"enabled": False}},
        "checks": {
            # A request the schema allows may still be refused with a 400 on its field for
            # what only the server knows: an area or a user that does not exist, a postcode
            # that is not one, a due date in the past (docs/decisions/0018).
            "positive_data_acceptance": {"enabled": False},
        },
    }
)
# The schema the API serves (/api/v1/schema/), made the same way.
schema = schemathesis.openapi.from_dict(
    SchemaGenerator().get_schema(request=None, public=True), config=CONFIG
)
APP = get_wsgi_application()
# Checks that send a request of their own (the same one without credentials, say) send it
# to the application too.
schema.app = APP


@pytest.fixture
def wsgi_app():
    """The WSGI application in this test's database transaction: a server closes the
    connection after each request, as Django's test client keeps it open."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield APP
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def alerts_by_record(scenario, make_user):
    """An alert about each incident, to the administrator where they can see it."""
    admin, colleague = scenario.user(UserGroup.ADMINISTRATOR), scenario.user(UserGroup.ENHANCED)
    rutland_colleague = make_user("Rutland County Council", UserGroup.OPERATIONAL)
    return {
        "in_area": send_alert(scenario.incidents["in_area"], by=colleague, recipient=admin),
        "out_of_area": send_alert(
            scenario.incidents["out_of_area"],
            by=scenario.rutland_officer,
            recipient=rutland_colleague,
        ),
        "shared": send_alert(scenario.incidents["shared"], by=colleague, recipient=admin),
    }


@pytest.fixture
def records(
    scenario,
    people,
    world,
    entries,
    documents_by_record,
    assessments_by_record,
    alerts_by_record,
    questions,
):
    """For each of the scenario's incidents, the identifiers a request may name."""
    admin = scenario.user(UserGroup.ADMINISTRATOR)
    analyst = scenario.user(UserGroup.ANALYST)
    saved = {
        "in_area": save_report(admin, name="Mine", definition=ReportDefinition()),
        "out_of_area": save_report(analyst, name="Theirs", definition=ReportDefinition()),
    }
    saved["shared"] = saved["in_area"]
    by_record = {}
    for record in RECORDS:
        incident = scenario.incidents[record]
        person = people.for_record(record)
        by_record[record] = {
            "urn": incident.urn,
            "ids": {
                "tasks": world["tasks"][record].pk,
                "alerts": alerts_by_record[record].pk,
                "entries": entries[record].pk,
                "documents": documents_by_record[record].pk,
                "risk-assessments": assessments_by_record[record].pk,
                "risk-questions": questions[0].pk,
                "people": person.pk,
                "involvements": person.involvements.get(incident=incident).pk,
                "reports": saved[record].pk,
            },
            "user": scenario.user(UserGroup.OPERATIONAL).pk,
        }
    return by_record


@pytest.fixture
def record():
    """In turn, the incident whose records the next request names."""
    return itertools.cycle(RECORDS)


@pytest.fixture
def token(scenario):
    out = StringIO()
    call_command("issue_api_token", scenario.user(UserGroup.ADMINISTRATOR).username, stdout=out)
    return out.getvalue().strip()


def _resource(path: str) -> str:
    """/api/v1/reports/saved/{id}/ -> "reports"; /api/v1/tasks/{id}/cancel/ -> "tasks"."""
    return path.removeprefix("/api/v1/").split("/")[0]


def with_real_identifiers(case, ids: dict):
    """The request again, naming this incident's records where it names one of a kind."""
    real = case.derive(keep_auth=True)
    path = dict(real.path_parameters or {})
    if "urn" in path:
        path["urn"] = ids["urn"]
    if "id" in path:
        path["id"] = ids["ids"][_resource(case.path)]
    real.path_parameters = path
    if isinstance(real.query, dict) and isinstance(real.query.get("incident"), str):
        real.query = {**real.query, "incident": ids["urn"]}
    if isinstance(real.body, dict):
        body = dict(real.body)
        if isinstance(body.get("incident"), str):
            body["incident"] = ids["urn"]
        for field in ("assigned_to", "recipient", "to"):
            if isinstance(body.get(field), int):
                body[field] = ids["user"]
        real.body = body
    return real


def names_a_record(case) -> bool:
    return bool(
        case.path_parameters
        or (isinstance(case.query, dict) and "incident" in case.query)
        or (isinstance(case.body, dict) and "incident" in case.body)
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("documents_root")
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_every_operation_answers_as_its_schema_says(case, wsgi_app, token, records, record):
    headers = {"Authorization": f"Token {token}"}
    case.call_and_validate(app=wsgi_app, headers=headers)
    if names_a_record(case):
        real = with_real_identifiers(case, records[next(record)])
        real.call_and_validate(app=wsgi_app, headers=headers)


def test_the_fuzzed_schema_is_the_one_the_api_serves(client, scenario):
    client.force_login(scenario.user(UserGroup.OPERATIONAL))
    served = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert served.status_code == 200
    assert served.json() == schema.raw_schema
