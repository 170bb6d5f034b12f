"""Printing to PDF (SPEC S3, C7, V4, V5): every page of a case summary or a report carries
the protective marking at the top and the bottom and who printed it, when; a case summary
is one record in the user's scope (404 otherwise), a report PDF never holds a Confidential
record; every print is audited, and a case summary costs the same queries however much the
case holds."""

import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from faker import Faker
from pypdf import PdfReader

from access.models import UserGroup
from audit.models import AuditEvent
from common.pdf import css_string, url_fetcher
from incidents.models import Incident, RiskQuestion
from incidents.services import log_complaint
from incidents.services.closure import submit_for_closure
from incidents.services.risk import record_assessment
from incidents.services.tasks import raise_task
from incidents.services.worksheet import record_entry
from people.services import involve
from reports.views import printing
from reports.views.common import SESSION_KEY
from tests.access.scenario import GROUPS, RECORDS, expect

fake = Faker("en_GB")
PURPOSE = "Monthly hotspot analysis for the tasking meeting"
LABELS = {
    "legacy": {"protect": "PROTECT", "restricted": "RESTRICTED", "confidential": "CONFIDENTIAL"},
    "gsc": {
        "protect": "OFFICIAL",
        "restricted": "OFFICIAL-SENSITIVE",
        "confidential": "OFFICIAL-SENSITIVE PERSONAL",
    },
}


# --- Reading PDFs back ---------------------------------------------------------------------


def pages(content: bytes) -> list[list[str]]:
    """Each page's non-empty lines, top to bottom as printed (pypdf's layout mode orders
    text by its position on the page)."""
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    printed = []
    for page in reader.pages:
        lines = page.extract_text(extraction_mode="layout").splitlines()
        printed.append([line.strip() for line in lines if line.strip()])
    return printed


def has_label(line: str, label: str) -> bool:
    """The label as a whole word ("OFFICIAL" must not be found inside "OFFICIAL-SENSITIVE")."""
    return re.search(rf"(?<![\w-]){re.escape(label)}(?![\w-])", line) is not None


def assert_marked_on_every_page(content: bytes, label: str, user) -> list[list[str]]:
    printed = pages(content)
    total = len(printed)
    who = f"Printed by {user.get_full_name()} ({user.username}), {user.organisation.name}"
    for number, lines in enumerate(printed, start=1):
        assert has_label(lines[0], label), f"page {number} top: {lines[0]!r}"
        assert has_label(lines[-1], label), f"page {number} bottom: {lines[-1]!r}"
        page_text = " ".join(" ".join(lines).split())
        assert who in page_text, f"page {number} lacks who printed it"
        assert f"Page {number} of {total}" in lines[-1], f"page {number}: {lines[-1]!r}"
    return printed


# --- Fixtures ------------------------------------------------------------------------------


@pytest.fixture
def blaby_officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


@pytest.fixture
def colleague(make_user):
    return make_user("Blaby District Council", UserGroup.ENHANCED)


@pytest.fixture
def analyst(make_user):
    return make_user("Leicestershire County Council", UserGroup.ANALYST)


def grow(incident, by, colleague, n, *, words=12):
    """Add n people, working-sheet entries, tasks and risk assessments, the way users do."""
    answers = {q.pk: False for q in RiskQuestion.objects.filter(active=True)}
    start = timezone.now() - datetime.timedelta(days=n + 1)
    for i in range(n):
        involve(
            incident,
            by=by,
            role="victim" if i % 2 else "witness",
            person_fields={"given_name": fake.first_name(), "family_name": fake.last_name()},
        )
        record_entry(
            incident,
            by=by,
            kind="note",
            text=f"Entry {i:03d}. " + fake.paragraph(nb_sentences=words),
            occurred_at=start + datetime.timedelta(days=i),
        )
        raise_task(
            incident,
            by=by,
            assigned_to=colleague,
            title=f"Task {i}",
            due_on=timezone.localdate() + datetime.timedelta(days=3),
        )
        record_assessment(incident, by=by, answers=answers)


def print_incident(client, incident):
    return client.get(reverse("incident-print", args=[incident.urn]))


# --- Case summary --------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["legacy", "gsc"])
def test_every_page_of_a_long_case_summary_is_marked_top_and_bottom(
    client, settings, partnership, blaby_officer, colleague, scheme
):
    settings.MARKING_SCHEME = scheme
    incident = log_complaint(
        by=blaby_officer,
        area=partnership.areas["Blaby"],
        description="Youths gathering and shouting late at night",
        address="1 Example Road, Enderby",
        postcode="LE19 4AA",
        category="nuisance",
    )
    grow(incident, blaby_officer, colleague, 2)
    for i in range(40):
        record_entry(
            incident,
            by=blaby_officer,
            kind="visit" if i % 3 else "victim_contact",
            text=f"Visit {i:03d}. " + fake.paragraph(nb_sentences=10),
            occurred_at=timezone.now() - datetime.timedelta(hours=40 - i),
        )
    client.force_login(blaby_officer)

    response = print_incident(client, incident)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="sentinel-{incident.urn}.pdf"'
    assert "no-store" in response["Cache-Control"]
    printed = assert_marked_on_every_page(
        response.content, LABELS[scheme]["restricted"], blaby_officer
    )
    assert len(printed) >= 3
    text = "\n".join("\n".join(lines) for lines in printed)
    assert f"Incident {incident.urn}" in text
    assert "1 Example Road, Enderby" in text
    assert "Nuisance" in text
    # Every working-sheet entry, oldest first.
    entries = re.findall(r"(?:Entry|Visit) (\d{3})\.", text)
    assert entries == ["000", "001"] + [f"{i:03d}" for i in range(40)]


@pytest.mark.parametrize("scheme", ["legacy", "gsc"])
@pytest.mark.parametrize("marking", ["protect", "confidential"])
def test_a_case_prints_with_its_own_marking(
    client, settings, partnership, blaby_officer, scheme, marking
):
    settings.MARKING_SCHEME = scheme
    incident = log_complaint(
        by=blaby_officer,
        area=partnership.areas["Blaby"],
        description="Marked case",
        marking=marking,
    )
    client.force_login(blaby_officer)
    response = print_incident(client, incident)
    assert response.status_code == 200
    assert_marked_on_every_page(response.content, LABELS[scheme][marking], blaby_officer)
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.PRINTED)
    assert event.details["marking"] == marking


def test_the_case_summary_holds_the_whole_case(client, partnership, blaby_officer, colleague):
    incident = log_complaint(
        by=blaby_officer,
        area=partnership.areas["Blaby"],
        description="Graffiti on the bus shelter",
        category="environmental",
    )
    victim = involve(
        incident,
        by=blaby_officer,
        role="victim",
        person_fields={"given_name": "Robin", "family_name": "Example"},
    )
    answers = {q.pk: True for q in RiskQuestion.objects.filter(active=True)}
    record_assessment(incident, by=blaby_officer, answers=answers, involvement=victim)
    record_entry(
        incident,
        by=blaby_officer,
        kind="note",
        text="Spoke to the shop owner.",
        occurred_at=timezone.now() - datetime.timedelta(hours=2),
    )
    raise_task(
        incident,
        by=blaby_officer,
        assigned_to=colleague,
        title="Check the CCTV",
        due_on=timezone.localdate() + datetime.timedelta(days=2),
    )
    client.force_login(blaby_officer)

    text = " ".join(" ".join(lines) for lines in pages(print_incident(client, incident).content))
    text = " ".join(text.split())
    incident.refresh_from_db()
    for expected in (
        incident.urn,
        "Open",
        "Blaby",
        "Environmental",
        "Graffiti on the bus shelter",
        "Blaby District Council",
        str(blaby_officer),
        "Robin Example",
        "Victim",
        f"Current risk level {incident.get_current_risk_display()}",
        "Spoke to the shop owner.",
        "Check the CCTV",
        str(colleague),
        "The case has not been submitted for closure.",
    ):
        assert expected in text, expected


def test_a_submitted_case_shows_its_closure(client, partnership, blaby_officer):
    incident = log_complaint(
        by=blaby_officer, area=partnership.areas["Blaby"], description="Dog fouling"
    )
    submit_for_closure(
        incident, by=blaby_officer, summary="Warning letter sent.", outcome="resolved"
    )
    client.force_login(blaby_officer)
    text = " ".join(" ".join(lines) for lines in pages(print_incident(client, incident).content))
    assert "Submitted for closure" in text
    assert "Warning letter sent." in text


def test_printing_a_case_is_audited_with_who_and_when(client, partnership, blaby_officer):
    incident = log_complaint(by=blaby_officer, area=partnership.areas["Blaby"], description="x")
    client.force_login(blaby_officer)
    before = timezone.now()
    assert print_incident(client, incident).status_code == 200

    event = AuditEvent.objects.get(event_type=AuditEvent.Type.PRINTED)
    assert event.actor == blaby_officer
    assert event.organisation == blaby_officer.organisation
    assert before <= event.occurred_at <= timezone.now()
    assert (event.target_type, event.target_id) == ("incident", incident.urn)
    assert event.details == {"marking": "restricted"}
    # The print is the audited read: no separate "viewed" event for it.
    assert not AuditEvent.objects.filter(
        event_type=AuditEvent.Type.INCIDENT_VIEWED, actor=blaby_officer
    ).exists()


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("record", RECORDS)
def test_case_summary_access_follows_the_policy(client, scenario, group, record):
    user = scenario.user(group)
    incident = scenario.incidents[record]
    client.force_login(user)

    response = print_incident(client, incident)

    allowed = expect(group, record)
    assert response.status_code == (200 if allowed else 404)
    printed = AuditEvent.objects.filter(event_type=AuditEvent.Type.PRINTED, actor=user)
    denied = AuditEvent.objects.filter(event_type=AuditEvent.Type.ACCESS_DENIED, actor=user)
    if allowed:
        assert response["Content-Type"] == "application/pdf"
        assert printed.get().target_id == incident.urn
        assert not denied.exists()
    else:
        assert not printed.exists()
        assert denied.get().target_id == incident.urn


def test_an_unknown_reference_is_404_like_an_out_of_scope_one(client, blaby_officer):
    client.force_login(blaby_officer)
    response = client.get(reverse("incident-print", args=["ASB-2026-999999"]))
    assert response.status_code == 404


def test_the_case_summary_is_get_only_and_needs_sign_in(client, partnership, blaby_officer):
    incident = log_complaint(by=blaby_officer, area=partnership.areas["Blaby"], description="x")
    assert print_incident(client, incident).status_code == 302
    client.force_login(blaby_officer)
    assert client.post(reverse("incident-print", args=[incident.urn])).status_code == 405


def test_the_incident_page_links_to_the_case_summary(client, partnership, blaby_officer):
    incident = log_complaint(by=blaby_officer, area=partnership.areas["Blaby"], description="x")
    client.force_login(blaby_officer)
    page = client.get(reverse("incident-detail", args=[incident.urn])).content.decode()
    assert f'href="{reverse("incident-print", args=[incident.urn])}"' in page
    assert "Print case summary (PDF)" in page


def _queries(client, incident) -> int:
    with CaptureQueriesContext(connection) as context:
        assert print_incident(client, incident).status_code == 200
    return len(context.captured_queries)


def test_case_summary_queries_do_not_grow_with_the_case(
    client, partnership, blaby_officer, colleague
):
    small = log_complaint(by=blaby_officer, area=partnership.areas["Blaby"], description="S")
    large = log_complaint(by=blaby_officer, area=partnership.areas["Melton"], description="L")
    grow(small, blaby_officer, colleague, 1, words=2)
    grow(large, blaby_officer, colleague, 8, words=2)
    client.force_login(blaby_officer)
    few, many = _queries(client, small), _queries(client, large)
    # The incident page's budget (15): the same sections, plus the print's audit event.
    assert few == many <= 15, (few, many)


# --- Report PDF ----------------------------------------------------------------------------


def report_print(client, **data):
    data.setdefault("subject", "incidents")
    return client.post(reverse("report-print"), data)


@pytest.fixture
def many_incidents(partnership, blaby_officer):
    areas = [partnership.areas["Blaby"], partnership.areas["Melton"]]
    return [
        log_complaint(
            by=blaby_officer,
            area=areas[i % 2],
            description=f"Report row {i}",
            category="nuisance",
            marking="protect" if i else "restricted",
        )
        for i in range(130)
    ]


@pytest.mark.parametrize("scheme", ["legacy", "gsc"])
def test_every_page_of_a_long_report_is_marked_top_and_bottom(
    reporting_client, settings, analyst, many_incidents, scheme
):
    settings.MARKING_SCHEME = scheme
    client = reporting_client(analyst)

    response = report_print(client, sort="urn")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'inline; filename="sentinel-report-{today}.pdf"'
    assert "no-store" in response["Cache-Control"]
    printed = assert_marked_on_every_page(response.content, LABELS[scheme]["restricted"], analyst)
    assert len(printed) >= 3
    text = "\n".join("\n".join(lines) for lines in printed)
    urns = re.findall(r"ASB-\d{4}-\d{6}", text)
    assert urns == sorted(incident.urn for incident in many_incidents)
    assert PURPOSE in " ".join(text.split())


def test_a_report_of_protect_rows_is_marked_protect(
    reporting_client, settings, partnership, analyst, blaby_officer
):
    for _ in range(2):
        log_complaint(
            by=blaby_officer, area=partnership.areas["Blaby"], description="p", marking="protect"
        )
    client = reporting_client(analyst)
    response = report_print(client)
    assert_marked_on_every_page(response.content, "PROTECT", analyst)
    assert AuditEvent.objects.get(event_type=AuditEvent.Type.PRINTED).details["marking"] == (
        "protect"
    )


def test_an_empty_report_prints_at_the_default_marking(reporting_client, analyst):
    response = report_print(reporting_client(analyst))
    printed = assert_marked_on_every_page(response.content, "RESTRICTED", analyst)
    assert "No records match these filters." in "\n".join(printed[0])


def test_a_report_pdf_never_holds_confidential_records(
    reporting_client, make_user, partnership, blaby_officer
):
    admin = make_user("Blaby District Council", UserGroup.ADMINISTRATOR)
    ordinary = log_complaint(by=blaby_officer, area=partnership.areas["Blaby"], description="o")
    secret = log_complaint(
        by=blaby_officer,
        area=partnership.areas["Blaby"],
        description="s",
        marking="confidential",
    )
    involve(
        secret,
        by=blaby_officer,
        role="victim",
        person_fields={"given_name": "Hidden", "family_name": "Onlyconfidential"},
    )
    client = reporting_client(admin)
    for subject in ("incidents", "people", "involvements"):
        response = report_print(client, subject=subject)
        text = "\n".join("\n".join(lines) for lines in pages(response.content))
        assert secret.urn not in text
        assert "Onlyconfidential" not in text
        assert "CONFIDENTIAL" not in text
    text = "\n".join("\n".join(lines) for lines in pages(report_print(client).content))
    assert ordinary.urn in text


def test_a_report_pdf_states_its_filters_purpose_and_summary(
    reporting_client, analyst, partnership, many_incidents
):
    client = reporting_client(analyst)
    blaby = partnership.areas["Blaby"]
    response = report_print(
        client,
        areas=[blaby.pk],
        categories=["nuisance"],
        reported_from="2020-01-01",
        group_rows="area",
        group_columns="status",
    )
    printed = pages(response.content)
    text = " ".join(" ".join(" ".join(lines) for lines in printed).split())
    assert "Areas: Blaby" in text
    assert "Categories: Nuisance" in text
    assert "Reported from: 01/01/2020" in text
    assert f"Purpose {PURPOSE}" in text
    assert "Rows 65" in text
    assert "Summary: incidents by area and status" in text
    assert re.search(r"Blaby\s+65", text)

    event = AuditEvent.objects.get(event_type=AuditEvent.Type.PRINTED)
    assert event.actor == analyst
    assert event.justification == PURPOSE
    assert event.target_type == "report"
    assert event.details["row_count"] == 65
    assert event.details["marking"] == "restricted"  # the first incident is Restricted
    assert event.details["filters"] == {
        "subject": "incidents",
        "reported_from": "2020-01-01",
        "areas": [blaby.pk],
        "categories": ["nuisance"],
        "group_rows": "area",
        "group_columns": "status",
    }


def test_a_report_pdf_is_capped_with_a_note(
    reporting_client, analyst, partnership, blaby_officer, monkeypatch
):
    monkeypatch.setattr(printing, "PRINT_LIMIT", 4)
    for i in range(6):
        log_complaint(by=blaby_officer, area=partnership.areas["Blaby"], description=f"{i}")
    client = reporting_client(analyst)

    text = " ".join(
        " ".join(
            " ".join(lines) for lines in pages(report_print(client, sort="urn").content)
        ).split()
    )
    assert "This report has 6 rows: only the first 4 are printed." in text
    assert len(re.findall(r"ASB-\d{4}-\d{6}", text)) == 4
    assert AuditEvent.objects.get(event_type=AuditEvent.Type.PRINTED).details["row_count"] == 4


def test_an_invalid_report_is_not_printed(reporting_client, analyst):
    client = reporting_client(analyst)
    response = report_print(client, group_columns="area")
    assert response.status_code == 400
    assert "Choose what to count by first." in response.content.decode()
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.PRINTED).exists()


@pytest.mark.parametrize("group", [UserGroup.BASIC, UserGroup.OPERATIONAL, UserGroup.ENHANCED])
def test_report_pdf_is_404_outside_the_reporting_module(client, make_user, group):
    client.force_login(make_user("Leicestershire County Council", group))
    session = client.session
    session[SESSION_KEY] = PURPOSE
    session.save()
    assert report_print(client).status_code == 404


@pytest.mark.parametrize("group", [UserGroup.ANALYST, UserGroup.ADMINISTRATOR])
def test_report_pdf_is_for_analysts_and_administrators(reporting_client, make_user, group):
    client = reporting_client(make_user("Rutland County Council", group))
    assert report_print(client).status_code == 200
    assert client.get(reverse("report-print")).status_code == 405


def test_report_pdf_needs_a_stated_purpose(client, analyst):
    client.force_login(analyst)
    response = report_print(client)
    assert response.status_code == 302
    assert response.url.startswith(reverse("report-purpose"))


# --- Rendering safety ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.invalid/image.png",
        "https://example.invalid/style.css",
        "ftp://example.invalid/x",
        "file:///etc/passwd",
    ],
)
def test_pdf_rendering_fetches_nothing_from_the_network_or_outside_static(url):
    with pytest.raises(ValueError):
        url_fetcher().fetch(url)


def test_pdf_rendering_may_read_data_urls_and_static_files(settings):
    assert url_fetcher().fetch("data:text/plain,hello").read() == b"hello"
    favicon = settings.BASE_DIR / "frontend" / "static" / "images" / "favicon.svg"
    assert url_fetcher().fetch(favicon.as_uri()).read().startswith(b"<")


def test_margin_text_cannot_break_out_of_its_css_string():
    quoted = css_string('O\'Brien "x" </style><script>\\')
    assert quoted.startswith('"') and quoted.endswith('"')
    inner = quoted[1:-1]
    assert '"' not in inner and "<" not in inner and ">" not in inner
    assert "\\" + "22 " in inner and "\\" + "5c " in inner


def test_a_name_with_quotes_prints_as_typed(client, make_user, partnership):
    officer = make_user(
        "Blaby District Council",
        UserGroup.OPERATIONAL,
        first_name='Jo "JJ"',
        last_name="O'Brien-Smith</style>",
    )
    incident = log_complaint(by=officer, area=partnership.areas["Blaby"], description="x")
    client.force_login(officer)
    assert_marked_on_every_page(print_incident(client, incident).content, "RESTRICTED", officer)
    assert Incident.objects.count() == 1
