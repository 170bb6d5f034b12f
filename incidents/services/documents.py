"""Documents attached to an incident (SPEC W4, §17 uploads).

A file is accepted only when its CONTENT is one of the allowed types and its name's extension
agrees with that content: a program renamed `photo.jpg` is refused. Accepted files are stored
under a random name on the private `documents` storage (outside the web root, no URL) and
are served only by the access-checked download view, which audits every download.

    store_document   low level, for flows that have already checked access (callers check)
    upload_document  the public write: requires "edit" on the incident
    record_download  the audit event of a download (the views stream the file)

A refused upload is audited (`document.rejected`) in its own transaction, so the record
survives the ValidationError that rolls back everything else. (Inside an outer transaction
that is itself rolled back, the record goes with it: Django has no autonomous transactions.)

An optional virus scan: `settings.DOCUMENT_SCANNER`, the dotted path of a callable that takes
the uploaded file and raises ValidationError for a bad one. Unset, nothing is scanned.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.module_loading import import_string

from access import policy
from access.models import User
from audit.models import AuditEvent
from audit.services import record_event

from ..models import Document, Incident

MEGABYTE = 1024 * 1024
# How much of the file's start is read to recognise it.
HEAD_BYTES = 8 * 1024
MAX_NAME_LENGTH = 200
DESCRIPTION_MAX = Document._meta.get_field("description").max_length

ALLOWED_TYPES_TEXT = "PDF, JPG, PNG, Word (DOCX) or plain text (TXT)"


@dataclass(frozen=True)
class FileType:
    key: str
    noun: str  # "its content is <noun>"
    content_type: str
    extensions: tuple[str, ...]


PDF = FileType("pdf", "a PDF", "application/pdf", (".pdf",))
JPEG = FileType("jpeg", "a JPG image", "image/jpeg", (".jpg", ".jpeg"))
PNG = FileType("png", "a PNG image", "image/png", (".png",))
DOCX = FileType(
    "docx",
    "a Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
TEXT = FileType("txt", "plain text", "text/plain", (".txt",))
ALLOWED_TYPES = (PDF, JPEG, PNG, DOCX, TEXT)
_BY_EXTENSION = {ext: kind for kind in ALLOWED_TYPES for ext in kind.extensions}

# Programs: Windows PE ("MZ"), ELF, Mach-O (both byte orders, 32/64 bit, universal), and
# scripts with an interpreter line. None of these is ever a document.
_PROGRAM_SIGNATURES = (
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)


def allowed_types_message(prefix: str = "") -> str:
    return f"{prefix}The selected file must be a {ALLOWED_TYPES_TEXT} file."


def megabytes(size: int) -> str:
    """`20 MB`, `1.5 MB`, `0.01 MB`: the limit as people read it."""
    value = size / MEGABYTE
    if value == int(value):
        return f"{int(value)} MB"
    if value >= 0.1:
        return f"{value:.2f}".rstrip("0").rstrip(".") + " MB"
    return f"{value:.2g} MB"


def clean_original_name(name: str | None) -> str:
    """The name the user gave, safe to keep and to offer back on download: the last path
    part only (browsers on Windows have sent whole paths), no control or formatting
    characters (a right-to-left override can make `exe.jpg` read as `gpj.exe`), capped in
    length with its extension kept."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Cs"})
    name = name.strip().strip(".").strip()
    if len(name) > MAX_NAME_LENGTH:
        stem, ext = os.path.splitext(name)
        ext = ext[:16]
        name = stem[: MAX_NAME_LENGTH - len(ext)].rstrip() + ext
    return name


def _extension(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def _read_head(uploaded_file) -> bytes:
    uploaded_file.seek(0)
    head = uploaded_file.read(HEAD_BYTES)
    uploaded_file.seek(0)
    return head


def _is_program(head: bytes) -> bool:
    if head.startswith(_PROGRAM_SIGNATURES):
        return True
    # "MZ" starts every Windows program; a text file may start with those letters too, but a
    # program's header always holds NUL bytes.
    if head.startswith(b"MZ") and b"\x00" in head:
        return True
    return head.startswith(b"#!")


def _is_png(head: bytes) -> bool:
    return head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR"


def _is_jpeg(head: bytes) -> bool:
    return head.startswith(b"\xff\xd8\xff")


def _is_pdf(head: bytes) -> bool:
    return head.startswith(b"%PDF-")


def _is_docx(uploaded_file, head: bytes) -> bool:
    """A Word document is a ZIP holding word/document.xml and [Content_Types].xml. Only the
    ZIP's directory is read; nothing is decompressed."""
    if not head.startswith(b"PK\x03\x04"):
        return False
    uploaded_file.seek(0)
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        uploaded_file.seek(0)
    return "word/document.xml" in names and "[Content_Types].xml" in names


def _has_macros(uploaded_file) -> bool:
    uploaded_file.seek(0)
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            return any(name.lower().endswith("vbaproject.bin") for name in archive.namelist())
    finally:
        uploaded_file.seek(0)


def _is_text(uploaded_file) -> bool:
    """UTF-8 throughout (a byte-order mark allowed) and no NUL bytes."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    uploaded_file.seek(0)
    try:
        for chunk in uploaded_file.chunks():
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        uploaded_file.seek(0)
    return True


def detect_type(uploaded_file) -> FileType | None:
    """What the file's content is, among the allowed types; None for anything else."""
    head = _read_head(uploaded_file)
    if _is_program(head):
        return None
    if _is_pdf(head):
        return PDF
    if _is_png(head):
        return PNG
    if _is_jpeg(head):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return DOCX if _is_docx(uploaded_file, head) else None
    if _is_text(uploaded_file):
        return TEXT
    return None


def _describe(head: bytes) -> str:
    """For the audit trail only: what a refused file looks like (puremagic's best guess)."""
    try:
        import puremagic

        return puremagic.from_string(head) or "unknown"
    except Exception:
        return "unknown"


class _Refusal(ValidationError):
    """A ValidationError that also says, for the audit trail, why the file was refused."""

    def __init__(self, errors: dict, reason: str, detected: str = ""):
        super().__init__(errors)
        self.reason = reason
        self.detected = detected


def check_file(uploaded_file, name: str) -> FileType:
    """Refuse a missing, empty, too large, disallowed or disguised file; return its type.

    The size is checked before anything is read. Raises _Refusal (a ValidationError on the
    field "file")."""
    if uploaded_file is None:
        raise _Refusal({"file": "Select a file to upload."}, "missing")
    size = uploaded_file.size or 0
    if size == 0:
        raise _Refusal({"file": "The selected file is empty."}, "empty")
    limit = settings.DOCUMENT_MAX_BYTES
    if size > limit:
        raise _Refusal(
            {"file": f"The selected file must be smaller than {megabytes(limit)}."},
            "too_large",
        )
    claimed = _BY_EXTENSION.get(_extension(name))
    if claimed is None:
        raise _Refusal({"file": allowed_types_message()}, "extension_not_allowed")
    head = _read_head(uploaded_file)
    if _is_program(head):
        raise _Refusal(
            {"file": allowed_types_message("The selected file is a program, not a document. ")},
            "program",
            _describe(head),
        )
    detected = detect_type(uploaded_file)
    if detected is None or detected != claimed:
        what = detected.noun if detected else "not one of those types"
        raise _Refusal(
            {
                "file": allowed_types_message(
                    f"The selected file's name ends in {_extension(name)} but its content "
                    f"is {what}. "
                )
            },
            "content_mismatch",
            detected.key if detected else _describe(head),
        )
    if detected == DOCX and _has_macros(uploaded_file):
        raise _Refusal(
            {"file": "The selected Word file contains macros. Save it as a .docx without macros."},
            "macros",
        )
    return detected


def _scan(uploaded_file) -> None:
    """The deployment's virus scan, if one is configured (settings.DOCUMENT_SCANNER)."""
    scanner_path = getattr(settings, "DOCUMENT_SCANNER", None)
    if not scanner_path:
        return
    scanner = import_string(scanner_path)
    uploaded_file.seek(0)
    try:
        scanner(uploaded_file)
    except ValidationError as error:
        messages = error.messages or ["The selected file did not pass the virus check."]
        raise _Refusal({"file": " ".join(messages)}, "scanner") from error
    finally:
        uploaded_file.seek(0)


def _validate_fields(kind: str, description: str) -> dict:
    errors = {}
    if kind not in Document.Kind.values:
        errors["kind"] = "Select what kind of document this is."
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = f"Description must be {DESCRIPTION_MAX} characters or fewer."
    return errors


@transaction.atomic
def _record_rejection(
    incident: Incident,
    *,
    by: User,
    name: str,
    reason: str,
    size: int | None = None,
    detected: str = "",
    fields=(),
) -> None:
    record_event(
        AuditEvent.Type.DOCUMENT_REJECTED,
        actor=by,
        target=("incident", incident.urn),
        outcome=AuditEvent.Outcome.FAILURE,
        details={
            "reason": reason,
            "claimed_name": name,
            "size": size,
            "detected": detected,
            "fields": sorted(fields),
        },
    )


def store_document(
    incident: Incident,
    *,
    by: User,
    uploaded_file: UploadedFile | None,
    kind: str,
    description: str = "",
) -> Document:
    """Check and store one file on `incident`. LOW LEVEL: callers check access.

    Raises ValidationError with messages on "file", "kind" and "description". A refusal is
    audited in its own transaction (see the module's docstring), so this function is not
    itself one transaction: the write is (`_save_document`).
    """
    description = (description or "").strip()
    name = clean_original_name(getattr(uploaded_file, "name", ""))
    errors = _validate_fields(kind, description)
    reason, detected = "", ""
    try:
        file_type = check_file(uploaded_file, name)
        if not errors:
            _scan(uploaded_file)
    except _Refusal as refusal:
        errors["file"] = refusal.message_dict["file"][0]
        reason, detected = refusal.reason, refusal.detected
    if errors:
        _record_rejection(
            incident,
            by=by,
            name=name,
            reason=reason or "invalid_fields",
            size=getattr(uploaded_file, "size", None),
            detected=detected,
            fields=errors.keys(),
        )
        raise ValidationError(errors)
    return _save_document(
        incident,
        by=by,
        uploaded_file=uploaded_file,
        file_type=file_type,
        name=name,
        kind=kind,
        description=description,
    )


def _digest(uploaded_file) -> tuple[str, int]:
    sha256 = hashlib.sha256()
    size = 0
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        sha256.update(chunk)
        size += len(chunk)
    uploaded_file.seek(0)
    return sha256.hexdigest(), size


@transaction.atomic
def _save_document(
    incident: Incident,
    *,
    by: User,
    uploaded_file,
    file_type: FileType,
    name: str,
    kind: str,
    description: str,
) -> Document:
    sha256, size = _digest(uploaded_file)
    document = Document(
        incident=incident,
        kind=kind,
        description=description,
        original_name=name,
        content_type=file_type.content_type,
        size=size,
        sha256=sha256,
        uploaded_by=by,
    )
    document._history_user = by
    # A random stored name, without extension: nothing about it invites a server to run or
    # render it, and it says nothing about the person or the case.
    document.file.save(uuid.uuid4().hex, uploaded_file, save=False)
    try:
        document.save()
        record_event(
            AuditEvent.Type.DOCUMENT_UPLOADED,
            actor=by,
            target=("incident", incident.urn),
            # The file's name is the document's, erased with it: the audit log, which
            # outlives the case, names the document by its number (docs/retention.md).
            details={
                "document": document.pk,
                "kind": kind,
                "content_type": file_type.content_type,
                "size": size,
                "sha256": sha256,
            },
        )
    except Exception:
        # The row was not written: do not leave its file behind.
        document.file.storage.delete(document.file.name)
        raise
    return document


def upload_document(
    incident: Incident,
    *,
    by: User,
    uploaded_file: UploadedFile | None,
    kind: str,
    description: str = "",
) -> Document:
    """Attach a document to an incident: the public write, for anyone who may edit it.

    Basic users, read-only analysts and anyone without "edit" on the incident are refused
    (PermissionDenied). Everything else is `store_document`.
    """
    if not policy.can(by, policy.Action.EDIT, incident):
        raise PermissionDenied
    return store_document(
        incident,
        by=by,
        uploaded_file=uploaded_file,
        kind=kind,
        description=description,
    )


@transaction.atomic
def record_download(document: Document, *, by: User) -> None:
    """Audit one download (SPEC W4, A2). Callers have fetched the incident through the
    policy; the view streams the file."""
    record_event(
        AuditEvent.Type.DOCUMENT_DOWNLOADED,
        actor=by,
        target=("incident", document.incident.urn),
        details={"document": document.pk, "incident": document.incident.urn},
    )


def open_stored(document: Document) -> File:
    """The stored file, opened for reading (the caller closes it, or FileResponse does)."""
    return document.file.storage.open(document.file.name, "rb")


def get_document_for_user(
    user: User,
    pk,
    *,
    urn: str | None = None,
    action: str = policy.Action.VIEW,
    request=None,
    record_view: bool = True,
) -> Document:
    """One document, reached through its incident (`policy.get_case_record`): 404, logged,
    whether it is missing, out of scope or (with `urn`) attached to another incident."""
    return policy.get_case_record(
        user,
        Document.objects,
        pk,
        kind="document",
        action=action,
        urn=urn,
        request=request,
        record_view=record_view,
    )
