"""The documents API (SPEC W4, I1): the same policy, validation and audit as the pages."""

# Fixtures shared with the page tests are imported; pytest passes them in by name.
# ruff: noqa: F401, F811

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import Document
from incidents.services import log_complaint
from incidents.services.documents import store_document
from tests.access.scenario import GROUPS, RECORDS, expect
from tests.incidents.test_documents import (
    WINDOWS_PROGRAM,
    documents_by_record,
    pdf_bytes,
    upload,
)

# Documents are stored in each test's own folder (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("documents_root")

LIST = "/api/v1/documents/"


def one(pk) -> str:
    return f"/api/v1/documents/{pk}/"


def download(pk) -> str:
    return f"/api/v1/documents/{pk}/download/"


@pytest.fixture
def officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


@pytest.fixture
def incident(officer, partnership):
    return log_complaint(by=officer, area=partnership.areas["Blaby"], description="Noise")


def test_the_routes_are_registered():
    assert reverse("api:document-list") == LIST
    assert reverse("api:document-download", args=[7]) == download(7)


def test_upload_list_retrieve_and_download(client, officer, incident):
    client.force_login(officer)
    content = pdf_bytes()

    created = client.post(
        LIST,
        {
            "incident": incident.urn,
            "file": upload("statement.pdf", content),
            "kind": "statement",
            "description": "Signed statement",
        },
    )

    assert created.status_code == 201, created.content
    body = created.json()
    document = Document.objects.get()
    assert body["id"] == document.pk
    assert body["incident"] == incident.urn
    assert body["content_type"] == "application/pdf"
    assert body["size"] == len(content)
    assert body["original_name"] == "statement.pdf"
    assert body["download_url"].endswith(download(document.pk))
    assert "file" not in body  # never a path or a storage URL

    listed = client.get(LIST, {"incident": incident.urn}).json()
    assert [d["id"] for d in listed["results"]] == [document.pk]
    assert client.get(one(document.pk)).json()["sha256"] == document.sha256

    response = client.get(download(document.pk), HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.DOCUMENT_DOWNLOADED)
    assert (event.actor, event.target_id, event.details["document"]) == (
        officer,
        incident.urn,
        document.pk,
    )


def test_a_disguised_program_gets_a_field_error(client, officer, incident):
    client.force_login(officer)
    response = client.post(
        LIST,
        {"incident": incident.urn, "file": upload("photo.jpg", WINDOWS_PROGRAM), "kind": "photo"},
    )
    assert response.status_code == 400
    assert "program" in response.json()["file"][0]
    assert not Document.objects.exists()
    assert AuditEvent.objects.filter(event_type=AuditEvent.Type.DOCUMENT_REJECTED).count() == 1


def test_an_oversize_upload_gets_the_limit(client, officer, incident, settings):
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    client.force_login(officer)
    response = client.post(
        LIST,
        {
            "incident": incident.urn,
            "file": upload("big.txt", b"a" * (1024 * 1024 + 1)),
            "kind": "other",
        },
    )
    assert response.status_code == 400
    assert response.json() == {"file": ["The selected file must be smaller than 1 MB."]}


def test_missing_fields_are_named(client, officer):
    client.force_login(officer)
    response = client.post(LIST, {})
    assert response.status_code == 400
    assert set(response.json()) == {"incident", "file", "kind"}


def test_the_list_needs_an_incident(client, officer):
    client.force_login(officer)
    response = client.get(LIST)
    assert response.status_code == 400
    assert "incident" in response.json()


def test_an_unknown_document_is_not_found_and_logged(client, officer):
    client.force_login(officer)
    assert client.get(one(999999)).status_code == 404
    assert client.get(download(999999)).status_code == 404
    assert (
        AuditEvent.objects.filter(
            event_type=AuditEvent.Type.ACCESS_DENIED, target_type="document", target_id="999999"
        ).count()
        == 2
    )


# --- Access: every route for every group x in area / out of area / shared ---------------------


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_who_may_read_documents(client, scenario, documents_by_record, group, record):
    client.force_login(scenario.user(group))
    document = documents_by_record[record]
    allowed = expect(group, record, "view")
    status = 200 if allowed else 404

    listed = client.get(LIST, {"incident": scenario.incidents[record].urn})
    assert listed.status_code == status
    if allowed:
        assert [d["id"] for d in listed.json()["results"]] == [document.pk]
    assert client.get(one(document.pk)).status_code == status

    response = client.get(download(document.pk))
    assert response.status_code == status
    if allowed:
        assert response["Content-Disposition"].startswith("attachment;")
    assert (
        AuditEvent.objects.filter(event_type=AuditEvent.Type.DOCUMENT_DOWNLOADED).exists()
        == allowed
    )


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_who_may_upload(client, scenario, group, record):
    client.force_login(scenario.user(group))
    incident = scenario.incidents[record]

    response = client.post(
        LIST, {"incident": incident.urn, "file": upload("a.txt", b"words"), "kind": "other"}
    )

    allowed = expect(group, record, "edit")
    assert response.status_code == (201 if allowed else 404)
    assert Document.objects.filter(incident=incident).exists() == allowed


def test_the_list_runs_a_fixed_number_of_queries(client, officer, incident):
    client.force_login(officer)
    store_document(incident, by=officer, uploaded_file=upload("0.txt", b"0"), kind="other")
    with CaptureQueriesContext(connection) as few:
        client.get(LIST, {"incident": incident.urn})
    for i in range(1, 10):
        store_document(incident, by=officer, uploaded_file=upload(f"{i}.txt", b"1"), kind="other")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(LIST, {"incident": incident.urn}).json()["results"]) == 10
    assert len(few.captured_queries) == len(many.captured_queries)
