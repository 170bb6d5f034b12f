"""Uploads whose file name is very long (#24 item 9): accepted with the name shortened, or
refused on the file field keeping what was typed, never a bare 400 or a 500 (decision 0017).

A browser sends the name the file has (or any name a page's script gives it) in the part's
own headers, so these tests send the name as it is: Django's SimpleUploadedFile would cut it
to 255 characters before the request is even made.
"""

import io

import pytest
from django.urls import reverse

from access.models import UserGroup
from incidents.models import Document
from incidents.services import log_complaint
from incidents.services.documents import MAX_NAME_LENGTH
from tests.incidents.test_documents import WINDOWS_PROGRAM

pytestmark = pytest.mark.usefixtures("documents_root")

LONG_NAME = "complaint-diary-" + "a" * 10_000 + ".txt"
TYPED = "Diary sheets for the whole of March"


def named_file(name: str, content: bytes) -> io.BytesIO:
    """A file the test client posts under exactly this name."""
    file = io.BytesIO(content)
    file.name = name
    return file


@pytest.fixture
def officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


@pytest.fixture
def incident(officer, partnership):
    return log_complaint(by=officer, area=partnership.areas["Blaby"], description="Noise")


def _shortened(name: str) -> bool:
    return len(name) == MAX_NAME_LENGTH and name.startswith("complaint-diary-aaa")


# --- The page ---------------------------------------------------------------------------------


def test_a_ten_thousand_character_name_is_uploaded_with_the_name_shortened(
    client, officer, incident
):
    client.force_login(officer)
    response = client.post(
        reverse("document-upload", args=[incident.urn]),
        {"file": named_file(LONG_NAME, b"3 March: music until 2am"), "kind": "statement",
         "description": TYPED},
    )  # fmt: skip

    assert response.status_code == 302, response.content[:300]
    document = Document.objects.get()
    assert _shortened(document.original_name)
    assert document.original_name.endswith(".txt")
    assert document.description == TYPED
    followed = client.get(response.url).content.decode()
    assert f"{document.original_name} has been uploaded." in followed


def test_a_long_name_on_a_refused_file_is_a_field_error_keeping_what_was_typed(
    client, officer, incident
):
    client.force_login(officer)
    response = client.post(
        reverse("document-upload", args=[incident.urn]),
        {"file": named_file("photo-" + "b" * 10_000 + ".jpg", WINDOWS_PROGRAM),
         "kind": "photo", "description": TYPED},
    )  # fmt: skip

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "The selected file is a program" in page
    assert "Choose the file again." in page
    assert TYPED in page
    assert 'value="photo" checked' in page
    assert not Document.objects.exists()


def test_a_file_kept_on_disk_while_uploading_may_have_a_long_extension(
    client, officer, incident, settings
):
    """Files larger than FILE_UPLOAD_MAX_MEMORY_SIZE are written to a temporary file named
    after the upload's extension, which must not make a name the file system refuses."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    client.force_login(officer)
    response = client.post(
        reverse("document-upload", args=[incident.urn]),
        {"file": named_file("notes." + "x" * 300, b"a" * 4096), "kind": "other",
         "description": TYPED},
    )  # fmt: skip

    page = response.content.decode()
    assert response.status_code == 200
    assert "The selected file must be a PDF, JPG, PNG, Word (DOCX) or plain text" in page
    assert TYPED in page


def test_a_name_beyond_what_is_read_gets_the_services_own_page(client, officer, incident):
    """Past 64 KB of a part's headers nothing of the form is read: the service's page for a
    request it cannot read, which says what to do (never Django's bare one)."""
    client.force_login(officer)
    response = client.post(
        reverse("document-upload", args=[incident.urn]),
        {"file": named_file("c" * 70_000 + ".txt", b"words"), "kind": "other"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Sorry, the service could not read what was sent" in page
    assert "give the file a shorter name" in page
    assert 'class="govuk-template' in page
    assert not Document.objects.exists()


# --- The API ----------------------------------------------------------------------------------


def test_the_api_accepts_a_ten_thousand_character_name_shortened(client, officer, incident):
    client.force_login(officer)
    response = client.post(
        "/api/v1/documents/",
        {"incident": incident.urn, "file": named_file(LONG_NAME, b"3 March: music until 2am"),
         "kind": "statement", "description": TYPED},
    )  # fmt: skip

    assert response.status_code == 201, response.content[:300]
    body = response.json()
    assert _shortened(body["original_name"])
    assert body["original_name"].endswith(".txt")
    assert body["description"] == TYPED


def test_the_api_refuses_a_long_named_program_on_the_file_field(client, officer, incident):
    client.force_login(officer)
    response = client.post(
        "/api/v1/documents/",
        {"incident": incident.urn, "file": named_file("photo-" + "b" * 10_000 + ".jpg",
         WINDOWS_PROGRAM), "kind": "photo"},
    )  # fmt: skip

    assert response.status_code == 400
    assert "program" in response.json()["file"][0]
    assert not Document.objects.exists()
