"""Documents (SPEC W4, §17 uploads): type by content and extension, size limit, private
storage, access-checked and audited download, and the incident page's documents section."""

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from access import policy
from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import Document
from incidents.services import log_complaint
from incidents.services.documents import (
    clean_original_name,
    megabytes,
    store_document,
    upload_document,
)
from incidents.views.documents import detail_context
from tests.access.scenario import GROUPS, RECORDS, expect

ALLOWED_MESSAGE = "PDF, JPG, PNG, Word (DOCX) or plain text (TXT)"


# --- Files, built here: real (if tiny) documents and disguised programs -----------------------


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "steelblue").save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "olive").save(buffer, "JPEG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "PDF")
    return buffer.getvalue()


def docx_bytes(*, extra: dict | None = None, document_xml: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Override PartName="/word/document.xml" ContentType="'
            'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"'
            "/></Types>",
        )
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        if document_xml:
            archive.writestr(
                "word/document.xml",
                '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Warning letter</w:t></w:r>'
                "</w:p></w:body></w:document>",
            )
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
LINUX_PROGRAM = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200

GOOD_FILES = {
    "statement.pdf": (pdf_bytes, "application/pdf"),
    "damage.jpg": (jpeg_bytes, "image/jpeg"),
    "damage.jpeg": (jpeg_bytes, "image/jpeg"),
    "graffiti.png": (png_bytes, "image/png"),
    "warning-letter.docx": (
        docx_bytes,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "notes.txt": (
        lambda: "Visited 3 May. Noise continues, £20 fine. Café.\n".encode(),
        "text/plain",
    ),
}


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def _documents_in_tmp(documents_root):
    """Every test here stores documents in its own folder (tests/conftest.py)."""


@pytest.fixture
def officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


@pytest.fixture
def incident(officer, partnership):
    return log_complaint(by=officer, area=partnership.areas["Blaby"], description="Noise")


def rejection_events():
    return AuditEvent.objects.filter(event_type=AuditEvent.Type.DOCUMENT_REJECTED)


# --- The service: what is accepted ------------------------------------------------------------


@pytest.mark.parametrize("name", list(GOOD_FILES))
def test_real_documents_are_accepted_and_stored_privately(officer, incident, documents_root, name):
    build, content_type = GOOD_FILES[name]
    content = build()

    document = upload_document(
        incident,
        by=officer,
        # The browser's claimed type is ignored: the type comes from the content.
        uploaded_file=upload(name, content, "application/x-anything"),
        kind=Document.Kind.OTHER,
        description="From the complainant",
    )

    document.refresh_from_db()
    stored = Path(document.file.path).resolve()
    assert document.content_type == content_type
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.original_name == name
    assert stored.read_bytes() == content
    assert stored.is_relative_to(documents_root.resolve())
    assert not stored.is_relative_to(Path(django_settings.STATIC_ROOT).resolve())
    # Stored under a random name that says nothing about the case or the person.
    assert Path(document.file.name).name != name
    assert name.rsplit(".", 1)[0] not in document.file.name
    assert document.history.get().history_user == officer
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.DOCUMENT_UPLOADED)
    assert (event.actor, event.target_type, event.target_id) == (officer, "incident", incident.urn)
    assert event.outcome == AuditEvent.Outcome.SUCCESS
    assert event.details["document"] == document.pk
    assert event.details["sha256"] == document.sha256
    assert "name" not in event.details


def test_a_large_file_spooled_to_disk_is_stored_whole(client, officer, incident):
    # Over FILE_UPLOAD_MAX_MEMORY_SIZE, Django spools the upload to a temporary file, which
    # the storage moves into place.
    content = b"Diary of incidents.\n" * 150_000  # about 3 MB
    client.force_login(officer)

    response = client.post(
        reverse("document-upload", args=[incident.urn]),
        {"file": upload("diary.txt", content), "kind": Document.Kind.STATEMENT},
    )

    assert response.status_code == 302
    document = Document.objects.get()
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert Path(document.file.path).read_bytes() == content


# --- The service: what is refused -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("photo.jpg", WINDOWS_PROGRAM, "program"),
        ("report.pdf", LINUX_PROGRAM, "program"),
        ("notes.txt", WINDOWS_PROGRAM, "program"),
    ],
)
def test_a_disguised_program_is_refused(officer, incident, name, content, reason):
    with pytest.raises(ValidationError) as refused:
        upload_document(
            incident, by=officer, uploaded_file=upload(name, content, "image/jpeg"), kind="photo"
        )

    message = refused.value.message_dict["file"][0]
    assert "program" in message
    assert ALLOWED_MESSAGE in message
    assert not Document.objects.exists()
    event = rejection_events().get()
    assert event.outcome == AuditEvent.Outcome.FAILURE
    assert (event.actor, event.target_id) == (officer, incident.urn)
    assert event.details["reason"] == reason
    assert event.details["claimed_name"] == name


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.png", jpeg_bytes()),  # a real image, but not what its name says
        ("statement.pdf", png_bytes()),
        ("letter.docx", pdf_bytes()),
        ("notes.txt", pdf_bytes()),
        ("statement.pdf", b"Just some words, not a PDF."),
        ("archive.docx", docx_bytes(document_xml=False)),  # a ZIP, but not a Word document
        ("bad.docx", b"PK\x03\x04 not really a zip at all"),
        ("notes.txt", "caf\xe9".encode("latin-1")),  # not UTF-8
        ("notes.txt", b"text with a \x00 NUL byte"),
    ],
)
def test_content_that_does_not_match_the_name_is_refused(officer, incident, name, content):
    with pytest.raises(ValidationError) as refused:
        upload_document(incident, by=officer, uploaded_file=upload(name, content), kind="other")

    message = refused.value.message_dict["file"][0]
    assert ALLOWED_MESSAGE in message
    assert not Document.objects.exists()
    assert rejection_events().get().details["reason"] == "content_mismatch"


@pytest.mark.parametrize(
    "name", ["run.exe", "page.html", "image.svg", "data.xlsx", "no-extension"]
)
def test_other_types_are_refused_whatever_their_content(officer, incident, name):
    with pytest.raises(ValidationError) as refused:
        upload_document(
            incident, by=officer, uploaded_file=upload(name, pdf_bytes()), kind="other"
        )

    assert refused.value.message_dict["file"] == [
        f"The selected file must be a {ALLOWED_MESSAGE} file."
    ]
    assert rejection_events().get().details["reason"] == "extension_not_allowed"


def test_a_word_file_with_macros_is_refused(officer, incident):
    content = docx_bytes(extra={"word/vbaProject.bin": b"\x00macro"})
    with pytest.raises(ValidationError) as refused:
        upload_document(
            incident, by=officer, uploaded_file=upload("letter.docx", content), kind="other"
        )
    assert "macros" in refused.value.message_dict["file"][0]


def test_an_empty_file_is_refused(officer, incident):
    with pytest.raises(ValidationError) as refused:
        upload_document(incident, by=officer, uploaded_file=upload("empty.pdf", b""), kind="other")
    assert refused.value.message_dict["file"] == ["The selected file is empty."]
    assert rejection_events().get().details["reason"] == "empty"


def test_an_oversize_file_is_refused_with_the_limit_before_it_is_read(
    officer, incident, settings, monkeypatch
):
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    big = upload("scan.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024))
    read = []

    class Watched(io.BytesIO):
        def read(self, *args):
            read.append(args)
            return super().read(*args)

    big.file = Watched(big.file.getvalue())

    with pytest.raises(ValidationError) as refused:
        upload_document(incident, by=officer, uploaded_file=big, kind="other")

    assert refused.value.message_dict["file"] == ["The selected file must be smaller than 1 MB."]
    assert read == []
    event = rejection_events().get()
    assert event.details["reason"] == "too_large"
    assert event.details["size"] == big.size


def test_a_file_exactly_at_the_limit_is_accepted(officer, incident, settings):
    content = b"x" * 2048
    settings.DOCUMENT_MAX_BYTES = len(content)
    upload_document(incident, by=officer, uploaded_file=upload("a.txt", content), kind="other")
    assert Document.objects.get().size == len(content)


def test_the_limit_is_shown_in_megabytes():
    assert megabytes(20 * 1024 * 1024) == "20 MB"
    assert megabytes(1536 * 1024) == "1.5 MB"
    assert megabytes(512 * 1024) == "0.5 MB"


def test_kind_and_description_are_checked(officer, incident):
    with pytest.raises(ValidationError) as refused:
        upload_document(
            incident,
            by=officer,
            uploaded_file=upload("a.txt", b"words"),
            kind="poem",
            description="x" * 301,
        )
    errors = refused.value.message_dict
    assert errors["kind"] == ["Select what kind of document this is."]
    assert errors["description"] == ["Description must be 300 characters or fewer."]
    assert not Document.objects.exists()


def test_a_refusal_is_audited_even_though_the_upload_is_rolled_back(officer, incident):
    with pytest.raises(ValidationError):
        upload_document(
            incident, by=officer, uploaded_file=upload("x.jpg", WINDOWS_PROGRAM), kind="photo"
        )
    # The upload left nothing behind but the record of its refusal.
    assert not Document.objects.exists()
    assert rejection_events().count() == 1
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.DOCUMENT_UPLOADED).exists()


def test_nothing_is_left_on_disk_after_a_refusal(officer, incident, documents_root):
    with pytest.raises(ValidationError):
        upload_document(
            incident, by=officer, uploaded_file=upload("x.pdf", LINUX_PROGRAM), kind="other"
        )
    assert not documents_root.exists() or not any(p.is_file() for p in documents_root.rglob("*"))


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("C:\\Users\\pc\\Desktop\\statement.pdf", "statement.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("photo\u202egpj.exe.png", "photogpj.exe.png"),  # right-to-left override removed
        ("bad\x00name\r\n.pdf", "badname.pdf"),
        ("  spaced.pdf  ", "spaced.pdf"),
    ],
)
def test_the_original_name_is_cleaned(given, kept):
    assert clean_original_name(given) == kept


def test_a_very_long_name_is_cut_keeping_its_extension():
    cleaned = clean_original_name("a" * 400 + ".pdf")
    assert len(cleaned) <= 200
    assert cleaned.endswith(".pdf")


def test_a_virus_scanner_can_refuse_a_file(officer, incident, settings):
    settings.DOCUMENT_SCANNER = "tests.incidents.test_documents.refuse_everything"
    with pytest.raises(ValidationError) as refused:
        upload_document(incident, by=officer, uploaded_file=upload("a.txt", b"hi"), kind="other")
    assert refused.value.message_dict["file"] == ["The selected file contains a virus."]
    assert rejection_events().get().details["reason"] == "scanner"


def test_a_virus_scanner_that_finds_nothing_lets_the_file_through(officer, incident, settings):
    settings.DOCUMENT_SCANNER = "tests.incidents.test_documents.accept_everything"
    upload_document(incident, by=officer, uploaded_file=upload("a.txt", b"hi"), kind="other")
    assert SCANNED == [b"hi"]


SCANNED: list = []


def refuse_everything(uploaded_file) -> None:
    raise ValidationError("The selected file contains a virus.")


def accept_everything(uploaded_file) -> None:
    SCANNED.clear()
    SCANNED.append(uploaded_file.read())


@pytest.mark.parametrize(
    ("group", "extra"),
    [
        (UserGroup.BASIC, {}),
        (UserGroup.ANALYST, {}),
    ],
)
def test_users_who_may_not_edit_cannot_upload(make_user, incident, group, extra):
    user = make_user("Blaby District Council", group, **extra)
    with pytest.raises(PermissionDenied):
        upload_document(incident, by=user, uploaded_file=upload("a.txt", b"hi"), kind="other")
    assert not Document.objects.exists()


def test_an_analyst_granted_add_and_amend_may_upload(make_user, incident):
    analyst = make_user(
        "Blaby District Council", UserGroup.ANALYST, analyst_can_add_and_amend=True
    )
    upload_document(incident, by=analyst, uploaded_file=upload("a.txt", b"hi"), kind="other")
    assert Document.objects.get().uploaded_by == analyst


def test_store_document_leaves_the_access_check_to_its_caller(make_user, incident):
    # The complaint-creation flow checks access itself, then stores the file.
    clerk = make_user("Blaby District Council", UserGroup.BASIC)
    store_document(incident, by=clerk, uploaded_file=upload("a.txt", b"hi"), kind="other")
    assert Document.objects.get().uploaded_by == clerk


# --- Pages ------------------------------------------------------------------------------------


def test_the_upload_page_shows_the_govuk_file_upload(client, officer, incident):
    client.force_login(officer)
    page = client.get(reverse("document-upload", args=[incident.urn])).content.decode()
    assert 'class="govuk-file-upload"' in page
    assert 'enctype="multipart/form-data"' in page
    assert 'data-prevent-double-click="true"' in page
    assert "smaller than 20 MB" in page


def test_uploading_through_the_page(client, officer, incident):
    client.force_login(officer)
    response = client.post(
        reverse("document-upload", args=[incident.urn]),
        {
            "file": upload("graffiti.png", png_bytes()),
            "kind": Document.Kind.PHOTO,
            "description": "Graffiti on the garage door",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("incident-detail", args=[incident.urn]) + "#documents"
    document = Document.objects.get()
    assert (document.kind, document.description) == ("photo", "Graffiti on the garage door")


def test_a_refused_file_keeps_what_was_typed_and_asks_for_the_file_again(
    client, officer, incident
):
    client.force_login(officer)
    typed = "Photo of the damage to the fence"

    response = client.post(
        reverse("document-upload", args=[incident.urn]),
        {"file": upload("photo.jpg", WINDOWS_PROGRAM), "kind": "photo", "description": typed},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert "There is a problem" in page
    assert "The selected file is a program" in page
    assert "Choose the file again." in page
    assert "govuk-file-upload--error" in page
    assert typed in page
    assert 'value="photo" checked' in page
    assert not Document.objects.exists()


def test_a_missing_kind_keeps_the_description_and_says_to_choose_the_file_again(
    client, officer, incident
):
    client.force_login(officer)
    response = client.post(
        reverse("document-upload", args=[incident.urn]),
        {"file": upload("a.txt", b"words"), "description": "Typed before the mistake"},
    )
    page = response.content.decode()
    assert "Select what kind of document this is." in page
    assert "Typed before the mistake" in page
    assert "Choose the file again." in page
    assert not Document.objects.exists()


def test_no_file_chosen(client, officer, incident):
    client.force_login(officer)
    response = client.post(reverse("document-upload", args=[incident.urn]), {"kind": "photo"})
    assert "Select a file to upload." in response.content.decode()


def test_an_oversize_file_on_the_page_gives_the_limit(client, officer, incident, settings):
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    client.force_login(officer)
    response = client.post(
        reverse("document-upload", args=[incident.urn]),
        {"file": upload("big.txt", b"a" * (1024 * 1024 + 1)), "kind": "other"},
    )
    assert "The selected file must be smaller than 1 MB." in response.content.decode()


def test_the_download_is_an_audited_attachment(client, officer, incident):
    content = pdf_bytes()
    document = upload_document(
        incident, by=officer, uploaded_file=upload("Witness statement.pdf", content), kind="other"
    )
    client.force_login(officer)

    response = client.get(reverse("document-download", args=[incident.urn, document.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="Witness statement.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.DOCUMENT_DOWNLOADED)
    assert (event.actor, event.target_id, event.outcome) == (officer, incident.urn, "success")
    # The document by its number, never its file name: the audit log outlives the case.
    assert event.details == {"document": document.pk, "incident": incident.urn}
    # The download is its own event, not an ordinary view of the incident.
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.INCIDENT_VIEWED).exists()


def test_a_text_download_says_its_charset(client, officer, incident):
    document = upload_document(
        incident, by=officer, uploaded_file=upload("n.txt", "Café".encode()), kind="other"
    )
    client.force_login(officer)
    response = client.get(reverse("document-download", args=[incident.urn, document.pk]))
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_a_document_of_another_incident_is_not_found_through_this_one(
    client, officer, incident, partnership
):
    other = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Other")
    document = upload_document(
        other, by=officer, uploaded_file=upload("a.txt", b"hi"), kind="other"
    )
    client.force_login(officer)

    response = client.get(reverse("document-download", args=[incident.urn, document.pk]))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.DOCUMENT_DOWNLOADED).exists()
    denial = AuditEvent.objects.get(event_type=AuditEvent.Type.ACCESS_DENIED)
    assert (denial.target_type, denial.target_id) == ("document", str(document.pk))


def test_nothing_serves_stored_files_by_their_path(client, officer, incident, documents_root):
    document = upload_document(
        incident, by=officer, uploaded_file=upload("a.txt", b"hi"), kind="other"
    )
    client.force_login(officer)
    for guess in (f"/{document.file.name}", f"/media/{document.file.name}"):
        assert client.get(guess).status_code == 404
    assert Path(document.file.path).is_relative_to(documents_root)


# --- Access: every page for every group x in area / out of area / shared ---------------------


@pytest.fixture
def documents_by_record(scenario):
    """One document on each of the scenario's incidents, stored by someone who may."""
    uploaders = {
        "in_area": scenario.user(UserGroup.OPERATIONAL),
        "out_of_area": scenario.rutland_officer,
        "shared": scenario.rutland_officer,
    }
    return {
        record: store_document(
            scenario.incidents[record],
            by=uploaders[record],
            uploaded_file=upload(f"{record}.txt", f"About {record}".encode()),
            kind="other",
        )
        for record in RECORDS
    }


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_who_may_download(client, scenario, documents_by_record, group, record):
    client.force_login(scenario.user(group))
    document = documents_by_record[record]
    url = reverse("document-download", args=[scenario.incidents[record].urn, document.pk])

    response = client.get(url)

    if expect(group, record, "view"):
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert b"".join(response.streaming_content) == f"About {record}".encode()
        assert AuditEvent.objects.filter(
            event_type=AuditEvent.Type.DOCUMENT_DOWNLOADED, actor=scenario.user(group)
        ).exists()
    else:
        assert response.status_code == 404
        assert not AuditEvent.objects.filter(
            event_type=AuditEvent.Type.DOCUMENT_DOWNLOADED
        ).exists()
        assert AuditEvent.objects.filter(
            event_type=AuditEvent.Type.ACCESS_DENIED, actor=scenario.user(group)
        ).exists()


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_who_may_open_the_upload_page_and_upload(client, scenario, group, record):
    client.force_login(scenario.user(group))
    url = reverse("document-upload", args=[scenario.incidents[record].urn])
    allowed = expect(group, record, "edit")

    assert client.get(url).status_code == (200 if allowed else 404)
    response = client.post(url, {"file": upload("a.txt", b"words"), "kind": "other"})

    assert response.status_code == (302 if allowed else 404)
    assert Document.objects.filter(incident=scenario.incidents[record]).exists() == allowed


# --- The incident page's section --------------------------------------------------------------


def _section(incident, user) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        context = detail_context(incident, user)
        html = render_to_string(
            "incidents/sections/documents.html", {"incident": incident, **context}
        )
    return html, len(queries.captured_queries)


def _seen_by(user, incident):
    return policy.get_incident_for_user(user, incident.urn, record_view=False)


def test_the_section_runs_one_query_for_one_document_or_ten(officer, incident):
    upload_document(incident, by=officer, uploaded_file=upload("0.txt", b"0"), kind="other")
    _, one = _section(_seen_by(officer, incident), officer)
    for i in range(1, 10):
        upload_document(
            incident, by=officer, uploaded_file=upload(f"{i}.txt", b"words"), kind="other"
        )
    html, ten = _section(_seen_by(officer, incident), officer)
    assert one == ten == 1
    assert html.count(f"/incidents/{incident.urn}/documents/") == 10 + 1  # links + upload


def test_the_section_lists_documents_with_download_links(officer, incident, make_user):
    document = upload_document(
        incident,
        by=officer,
        uploaded_file=upload("letter.pdf", pdf_bytes()),
        kind=Document.Kind.WARNING_LETTER,
        description="First warning",
    )
    html, _ = _section(_seen_by(officer, incident), officer)
    assert reverse("document-download", args=[incident.urn, document.pk]) in html
    assert "letter.pdf" in html
    assert "Warning letter" in html
    assert "First warning" in html
    assert str(officer) in html
    assert "KB" in html or "bytes" in html
    assert "Upload a document" in html

    reader = make_user("Blaby District Council", UserGroup.ANALYST)
    html, _ = _section(_seen_by(reader, incident), reader)
    assert "letter.pdf" in html
    assert "Upload a document" not in html


def test_the_section_says_when_there_are_no_documents(officer, incident):
    html, _ = _section(_seen_by(officer, incident), officer)
    assert "No documents have been uploaded." in html
