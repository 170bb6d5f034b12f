"""Exporting report results as CSV and XLSX (SPEC S3, C7, V4): the files hold the report's
rows under the protective marking, formulas are neutralised, Confidential records never
leave, every export is audited, and only reporting users with a stated purpose may export."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.shortcuts import resolve_url
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from faker import Faker

from access.models import UserGroup
from audit.models import AuditEvent
from common.exports import build_csv, build_xlsx, csv_response, neutralise
from incidents.models import AggravatingFactor, Incident
from incidents.services import log_complaint
from people.services import involve
from reports.views.common import SESSION_KEY

fake = Faker("en_GB")
PURPOSE = "Monthly hotspot analysis for the tasking meeting"
INCIDENT_HEADER = [
    "Reference",
    "Reported",
    "Area",
    "Category",
    "Risk",
    "Status",
    "Lead organisation",
    "Aggravating factors",
    "Postcode",
]
TRIGGERS = ["=1+2", "+44 116", "-3+4", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.fixture
def blaby_officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


@pytest.fixture
def rutland_officer(make_user):
    return make_user("Rutland County Council", UserGroup.OPERATIONAL)


@pytest.fixture
def analyst(make_user):
    return make_user("Leicestershire County Council", UserGroup.ANALYST)


@pytest.fixture
def blaby_admin(make_user):
    return make_user("Blaby District Council", UserGroup.ADMINISTRATOR)


def log(by, area, *, description="Noise at night", **details):
    if "aggravating_factors" in details:
        codes = details["aggravating_factors"]
        details["aggravating_factors"] = list(AggravatingFactor.objects.filter(code__in=codes))
    return log_complaint(by=by, area=area, description=description, **details)


def person(incident, by, role="victim", **names):
    names.setdefault("given_name", fake.first_name())
    names.setdefault("family_name", fake.last_name())
    return involve(incident, by=by, role=role, person_fields=names)


def export(client, file_format="csv", **data):
    data.setdefault("subject", "incidents")
    return client.post(reverse("report-export"), {"format": file_format, **data})


def csv_rows(response) -> list[list[str]]:
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_sheet(response):
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return workbook.worksheets[0]


def xlsx_rows(response) -> list[list]:
    return [list(row) for row in xlsx_sheet(response).iter_rows(values_only=True)]


@pytest.fixture
def three_incidents(partnership, blaby_officer, rutland_officer):
    areas = partnership.areas
    return [
        log(
            blaby_officer,
            areas["Blaby"],
            category="personal",
            postcode="LE19 1AB",
            aggravating_factors=["alcohol", "age"],
        ),
        log(blaby_officer, areas["Blaby"], category="nuisance", marking="protect"),
        log(rutland_officer, areas["Rutland"], category="environmental"),
    ]


# --- CSV -----------------------------------------------------------------------------------


def test_csv_holds_the_report_rows_under_the_marking_and_a_header(
    reporting_client, analyst, three_incidents
):
    client = reporting_client(analyst)
    response = export(client, "csv", sort="urn")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response)
    assert rows[0] == ["RESTRICTED"]
    assert rows[1] == INCIDENT_HEADER
    first, second, third = three_incidents
    assert [row[0] for row in rows[2:]] == [first.urn, second.urn, third.urn]
    reported = timezone.localtime(first.received_at).strftime("%d/%m/%Y")
    assert rows[2] == [
        first.urn,
        reported,
        "Blaby",
        "Personal",
        "",
        "Open",
        "Blaby District Council",
        "Age, Alcohol",
        "LE19 1AB",
    ]
    assert rows[4][2:4] == ["Rutland", "Environmental"]
    assert rows[4][6] == "Rutland County Council"


def test_the_sort_and_the_filters_posted_are_those_of_the_export(
    reporting_client, analyst, partnership, three_incidents
):
    client = reporting_client(analyst)
    descending = csv_rows(export(client, "csv", sort="-urn"))
    assert [row[0] for row in descending[2:]] == [i.urn for i in reversed(three_incidents)]
    # The report page posts the sort in use as `current_sort`.
    current = csv_rows(export(client, "csv", current_sort="-urn"))
    assert current == descending

    blaby = csv_rows(export(client, "csv", areas=[partnership.areas["Blaby"].pk], sort="urn"))
    assert [row[0] for row in blaby[2:]] == [i.urn for i in three_incidents[:2]]


def test_the_file_is_an_attachment_named_by_date_and_never_cached(
    reporting_client, analyst, three_incidents
):
    client = reporting_client(analyst)
    for file_format in ("csv", "xlsx"):
        response = export(client, file_format)
        today = timezone.localdate().isoformat()
        assert response["Content-Disposition"] == (
            f'attachment; filename="sentinel-report-{today}.{file_format}"'
        )
        assert "no-store" in response["Cache-Control"]


def test_the_marking_is_the_highest_among_the_rows_in_the_deployment_labels(
    reporting_client, analyst, partnership, blaby_officer, settings
):
    log(blaby_officer, partnership.areas["Blaby"], marking="protect")
    client = reporting_client(analyst)
    assert csv_rows(export(client))[0] == ["PROTECT"]
    assert xlsx_rows(export(client, "xlsx"))[0][0] == "PROTECT"

    log(blaby_officer, partnership.areas["Blaby"])  # Restricted
    settings.MARKING_SCHEME = "gsc"
    assert csv_rows(export(client))[0] == ["OFFICIAL-SENSITIVE"]
    assert xlsx_rows(export(client, "xlsx"))[0][0] == "OFFICIAL-SENSITIVE"


def test_people_and_involvements_export_their_own_columns(
    reporting_client, analyst, partnership, blaby_officer
):
    incident = log(blaby_officer, partnership.areas["Blaby"])
    person(incident, blaby_officer, given_name="Alex", family_name="Example")
    person(incident, blaby_officer, role="perpetrator", given_name="Sam", family_name="Sample")
    client = reporting_client(analyst)

    people = csv_rows(export(client, subject="people", sort="name"))
    assert people[1] == ["Name", "Date of birth", "Postcode", "Incidents", "Latest reported"]
    assert [row[0] for row in people[2:]] == ["Alex Example", "Sam Sample"]
    assert people[2][3] == "1"

    involvements = csv_rows(export(client, subject="involvements", roles=["victim"]))
    assert involvements[1][:4] == ["Reference", "Reported", "Name", "Role"]
    assert [row[2:4] for row in involvements[2:]] == [["Alex Example", "Victim"]]


# --- XLSX ----------------------------------------------------------------------------------


def test_xlsx_holds_the_same_rows_with_a_bold_header_and_the_marking(
    reporting_client, analyst, three_incidents
):
    client = reporting_client(analyst)
    as_csv = csv_rows(export(client, "csv", sort="urn"))
    response = export(client, "xlsx", sort="urn")

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = xlsx_sheet(response)
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "RESTRICTED"
    assert rows[1] == INCIDENT_HEADER
    assert all(cell.font.bold for cell in sheet[2])
    as_text = [[value if value is not None else "" for value in row] for row in rows[2:]]
    assert as_text == as_csv[2:]
    # Printed, the sheet carries the marking at the top and the bottom of every page.
    assert "RESTRICTED" in sheet.oddHeader.center.text
    assert "RESTRICTED" in sheet.oddFooter.center.text


def test_xlsx_keeps_numbers_as_numbers(reporting_client, analyst, partnership, blaby_officer):
    first = log(blaby_officer, partnership.areas["Blaby"])
    second = log(blaby_officer, partnership.areas["Melton"])
    regular = person(first, blaby_officer)
    involve(second, by=blaby_officer, role="victim", person=regular.person)
    client = reporting_client(analyst)
    rows = xlsx_rows(export(client, "xlsx", subject="people"))
    assert rows[2][3] == 2


# --- Formula injection ---------------------------------------------------------------------


def test_formula_like_text_is_neutralised_in_csv_and_xlsx():
    columns = [("value", "Value", lambda row: row)]
    rows = [*TRIGGERS, "plain", 7, None]

    content = build_csv(columns, rows, "restricted").content.decode("utf-8-sig")
    written = list(csv.reader(io.StringIO(content)))
    cells = [row[0] if row else "" for row in written[2:]]
    assert cells[: len(TRIGGERS)] == [f"'{value}" for value in TRIGGERS]
    assert cells[len(TRIGGERS) :] == ["plain", "7", ""]
    assert neutralise("=1") == "'=1"
    assert neutralise("a=1") == "a=1"

    sheet = openpyxl.load_workbook(
        io.BytesIO(build_xlsx(columns, rows, "restricted").content)
    ).worksheets[0]
    for index, value in enumerate(TRIGGERS, start=3):
        cell = sheet.cell(row=index, column=1)
        assert cell.data_type == "s", f"{value!r} must be text, not a formula"
        # A carriage return is stored as Excel's _x000D_ escape, which openpyxl leaves as is.
        assert cell.value.replace("_x000D_", "\r") == value
        assert cell.quotePrefix, "Excel keeps it as text even when the cell is edited"
    assert sheet.cell(row=len(TRIGGERS) + 3, column=1).value == "plain"
    assert not sheet.cell(row=len(TRIGGERS) + 3, column=1).quotePrefix
    assert sheet.cell(row=len(TRIGGERS) + 4, column=1).value == 7


def test_a_malicious_name_is_neutralised_in_the_report_export(
    reporting_client, analyst, partnership, blaby_officer
):
    incident = log(blaby_officer, partnership.areas["Blaby"])
    person(
        incident, blaby_officer, given_name='=HYPERLINK("http://example.invalid")', family_name="X"
    )
    client = reporting_client(analyst)

    rows = csv_rows(export(client, subject="people"))
    assert rows[2][0] == '\'=HYPERLINK("http://example.invalid") X'
    sheet = xlsx_sheet(export(client, "xlsx", subject="people"))
    cell = sheet.cell(row=3, column=1)
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://example.invalid") X'


def test_the_helper_other_pages_use_writes_any_table(settings):
    columns = [("area", "Area", lambda row: row["area"]), ("n", "Count", lambda row: row["n"])]
    response = csv_response(
        "sentinel-statistics-2026-01-01.csv",
        columns,
        [{"area": "Blaby", "n": 7}, {"area": "Melton", "n": "suppressed"}],
        "protect",
    )
    assert response.row_count == 2
    assert response["Content-Disposition"].startswith("attachment;")
    expected = [["PROTECT"], ["Area", "Count"], ["Blaby", "7"], ["Melton", "suppressed"]]
    assert csv_rows(response) == expected
    with pytest.raises(ValueError, match="marking"):
        build_csv(columns, [], "secret")


# --- Confidential (V4) ---------------------------------------------------------------------


@pytest.fixture
def with_confidential(partnership, blaby_officer):
    """A Confidential Blaby case with a person in no other case, and one shared with an
    ordinary case."""
    areas = partnership.areas
    ordinary = log(blaby_officer, areas["Blaby"], description="Ordinary case")
    secret = log(blaby_officer, areas["Blaby"], description="Secret", marking="confidential")
    hidden = person(secret, blaby_officer, given_name="Hidden", family_name="Onlyconfidential")
    both = person(ordinary, blaby_officer, given_name="Seen", family_name="Inboth")
    involve(secret, by=blaby_officer, role="witness", person=both.person)
    return {"ordinary": ordinary, "secret": secret, "hidden": hidden, "both": both}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_confidential_never_leaves_even_for_its_lead_organisations_administrator(
    reporting_client, blaby_admin, with_confidential, file_format
):
    secret = with_confidential["secret"]
    client = reporting_client(blaby_admin)
    # The administrator sees the case in the reporting module itself...
    assert secret.lead_organisation == blaby_admin.organisation

    def text(subject):
        response = export(client, file_format, subject=subject)
        assert response.status_code == 200
        if file_format == "csv":
            return response.content.decode("utf-8-sig"), csv_rows(response)
        rows = xlsx_rows(response)
        flat = "\n".join(",".join("" if v is None else str(v) for v in row) for row in rows)
        return flat, [["" if v is None else str(v) for v in row] for row in rows]

    incidents, rows = text("incidents")
    assert secret.urn not in incidents
    assert [row[0] for row in rows[2:]] == [with_confidential["ordinary"].urn]
    assert rows[0][0] == "RESTRICTED"

    people, rows = text("people")
    assert "Onlyconfidential" not in people
    assert [row[0] for row in rows[2:]] == ["Seen Inboth"]
    assert rows[2][3] == "1", "only the case that may be exported is counted"

    involvements, rows = text("involvements")
    assert secret.urn not in involvements
    assert "Onlyconfidential" not in involvements
    assert [row[0] for row in rows[2:]] == [with_confidential["ordinary"].urn]


def test_confidential_stays_out_when_filtered_for_by_reference(
    reporting_client, blaby_admin, with_confidential
):
    client = reporting_client(blaby_admin)
    rows = csv_rows(export(client, text=with_confidential["secret"].urn))
    assert rows[2:] == []
    event = AuditEvent.objects.filter(event_type=AuditEvent.Type.EXPORTED).latest("pk")
    assert event.details["row_count"] == 0


# --- Audit ---------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_every_export_is_audited_with_purpose_filters_and_row_count(
    reporting_client, analyst, partnership, three_incidents, file_format
):
    client = reporting_client(analyst)
    blaby = partnership.areas["Blaby"].pk
    before = timezone.now()
    response = export(client, file_format, areas=[blaby], categories=["personal", "nuisance"])
    assert response.status_code == 200

    event = AuditEvent.objects.get(event_type=AuditEvent.Type.EXPORTED)
    assert event.actor == analyst
    assert event.occurred_at >= before
    assert event.justification == PURPOSE
    assert event.target_type == "report"
    assert event.details["format"] == file_format
    assert event.details["row_count"] == 2
    assert event.details["filters"] == {
        "subject": "incidents",
        "areas": [blaby],
        "categories": ["personal", "nuisance"],
    }


def test_an_invalid_report_is_not_exported_and_says_why(reporting_client, analyst):
    client = reporting_client(analyst)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = export(
        client,
        reported_from=tomorrow.isoformat(),
        reported_to=(tomorrow - datetime.timedelta(days=3)).isoformat(),
        text="fireworks",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The end date must be the same as or after the start." in page
    # What was typed goes back to the report page, where the errors show on the fields.
    assert 'name="text" value="fireworks"' in page
    assert 'name="format"' not in page
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.EXPORTED).exists()

    response = export(client, "pdf")
    assert response.status_code == 400
    assert "Choose a file format: CSV or XLSX." in response.content.decode()
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.EXPORTED).exists()


# --- Access --------------------------------------------------------------------------------


@pytest.mark.parametrize("group", [UserGroup.BASIC, UserGroup.OPERATIONAL, UserGroup.ENHANCED])
def test_users_outside_the_reporting_module_get_404(client, make_user, three_incidents, group):
    user = make_user("Leicestershire County Council", group)
    client.force_login(user)
    # Even with a purpose somehow in their session.
    session = client.session
    session[SESSION_KEY] = PURPOSE
    session.save()
    for file_format in ("csv", "xlsx"):
        assert export(client, file_format).status_code == 404
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.EXPORTED).exists()


@pytest.mark.parametrize("group", [UserGroup.ANALYST, UserGroup.ADMINISTRATOR])
def test_analysts_and_administrators_may_export(
    reporting_client, make_user, three_incidents, group
):
    client = reporting_client(make_user("Leicester City Council", group))
    for file_format in ("csv", "xlsx"):
        response = export(client, file_format)
        assert response.status_code == 200
        assert response.row_count == 3


def test_export_is_post_only(reporting_client, analyst):
    client = reporting_client(analyst)
    assert client.get(reverse("report-export")).status_code == 405


def test_without_a_stated_purpose_the_user_is_asked_for_one_first(
    client, analyst, three_incidents
):
    client.force_login(analyst)
    response = export(client)
    assert response.status_code == 302
    assert response.url.startswith(reverse("report-purpose"))
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.EXPORTED).exists()


def test_signed_out_users_are_sent_to_sign_in(client, settings):
    response = export(client)
    assert response.status_code == 302
    assert response.url.startswith(resolve_url(settings.LOGIN_URL))


# --- Queries -------------------------------------------------------------------------------


def _export_queries(client, **data) -> int:
    with CaptureQueriesContext(connection) as context:
        assert export(client, **data).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("subject", ["incidents", "people", "involvements"])
def test_export_queries_do_not_grow_with_the_rows(
    reporting_client, analyst, partnership, blaby_officer, subject
):
    client = reporting_client(analyst)

    def grow(n):
        for i in range(n):
            incident = log(blaby_officer, partnership.areas["Blaby"], aggravating_factors=["age"])
            person(incident, blaby_officer, role="victim" if i % 2 else "witness")

    grow(1)
    few = _export_queries(client, subject=subject)
    grow(12)
    many = _export_queries(client, subject=subject)
    assert few == many
    assert Incident.objects.count() == 13
