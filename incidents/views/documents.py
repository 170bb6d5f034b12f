"""Document pages (SPEC W4): upload, the access-checked download, and the incident page's
documents section.

Files have no public URL: `document_response` is the only way out, used by this page and the
API alike, always as an attachment that browsers must not sniff, render or cache.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods

from access import policy
from common.forms import handle_post

from ..forms_documents import DocumentUploadForm
from ..models import Document
from ..services import documents as services


def detail_context(incident, user) -> dict:
    """The documents section of the incident page: one query, whatever the number of files."""
    return {
        "document_list": list(
            incident.documents.select_related("uploaded_by").order_by("-uploaded_at", "-id")
        )
    }


def document_response(document: Document) -> FileResponse:
    """Stream a stored document as a download (never shown inline), with the type found
    by content at upload, no sniffing and no caching. 404 if the file has gone."""
    try:
        handle = services.open_stored(document)
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    content_type = document.content_type
    if content_type == "text/plain":
        content_type = "text/plain; charset=utf-8"
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser render it anyway, it runs nothing and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    add_never_cache_headers(response)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def upload(request, urn: str):
    incident = policy.get_incident_for_user(request.user, urn, policy.Action.EDIT, request=request)
    posted = request.method == "POST"
    form = DocumentUploadForm(request.POST if posted else None, request.FILES if posted else None)
    uploaded = handle_post(
        request,
        form,
        lambda data: services.upload_document(
            incident,
            by=request.user,
            uploaded_file=data["file"],
            kind=data["kind"],
            description=data["description"],
        ),
        success=lambda document: f"{document.original_name} has been uploaded.",
        redirect_to=reverse("incident-detail", args=[incident.urn]) + "#documents",
    )
    if uploaded:
        return uploaded
    if posted:
        form.ask_to_choose_file_again()
    return render(
        request,
        "incidents/documents/upload.html",
        {"form": form, "incident": incident, "protective_marking": incident.marking},
    )


@login_required
@require_GET
def download(request, urn: str, pk: int):
    document = services.get_document_for_user(
        request.user, pk, urn=urn, request=request, record_view=False
    )
    response = document_response(document)
    services.record_download(document, by=request.user)
    return response


urlpatterns = [
    path("incidents/<str:urn>/documents/upload/", upload, name="document-upload"),
    path("incidents/<str:urn>/documents/<int:pk>/download/", download, name="document-download"),
]
