"""Subject access pages (SPEC D4): find the person, see what the export will hold, download it.

For administrators of any organisation (the one that received the request co-ordinates the
reply for its partnership; retention/subject_access.py); everyone else gets 404. Search terms
travel in the POST body, never the URL (§17). Every search and every download is audited;
opening a person's summary is logged as a read.

The export is everything gathered about the person in the partnership: it includes
Confidential incidents they appear in that the administrator may view, because the person is
entitled to their own data (the bulk-export rule, V4, is about reports); other partners'
Confidential records are named by their holder only, for that partner to decide. Other
people's data is left out or flagged for redaction review before anything is disclosed.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from access import policy
from common.exports import dated_filename
from common.pdf import page_context, render_pdf

from .. import subject_access
from ..forms_subject_access import PersonSearchForm, SubjectAccessExportForm

JSON_TYPE = "application/json"
PDF_TYPE = "application/pdf"


def subject_access_page(view):
    """Administrators only (404 for everyone else, V5)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not policy.may_answer_subject_access(request.user):
            policy.refuse_page(request, kwargs, "subject access")
        return view(request, *args, **kwargs)

    return wrapper


@subject_access_page
@require_http_methods(["GET", "POST"])
def find_person(request):
    form = PersonSearchForm(request.POST if request.method == "POST" else None)
    people, referrals = None, []
    if request.method == "POST" and form.is_valid():
        people = subject_access.find_people(request.user, **form.cleaned_data)
        referrals = subject_access.referrals(request.user, **form.cleaned_data)
    shown = (people or [])[: subject_access.SEARCH_LIMIT]
    return render(
        request,
        "retention/subject_access/search.html",
        {
            "form": form,
            "people": shown if people is not None else None,
            "more": people is not None and len(people) > subject_access.SEARCH_LIMIT,
            "limit": subject_access.SEARCH_LIMIT,
            "referrals": referrals,
            "protective_marking": subject_access.people_marking(shown),
        },
    )


@subject_access_page
@require_http_methods(["GET", "POST"])
def person(request, pk: int):
    """The summary of what the export holds, and the form that downloads it."""
    user = request.user
    subject = policy.get_person_for_subject_access(
        user, pk, request=request, record_view=request.method == "GET"
    )
    form = SubjectAccessExportForm(request.POST if request.method == "POST" else None)
    export = subject_access.gather(subject, user=user)
    if request.method == "POST" and form.is_valid():
        reference = form.cleaned_data["reference"]
        file_format = form.cleaned_data["file_format"]
        document = subject_access.stamped(export, user=user, reference=reference)
        if file_format == "json":
            response = _download(subject_access.as_json(document), JSON_TYPE, "json")
        else:
            response = _download(_pdf(request, document), PDF_TYPE, "pdf")
        subject_access.record_export(
            user, subject, export, reference=reference, file_format=file_format
        )
        return response
    return render(
        request,
        "retention/subject_access/person.html",
        {
            "subject": subject,
            "export": export,
            "kinds": [(label, export["counts"][kind]) for kind, label in subject_access.KINDS],
            "incidents": subject_access.incident_summaries(export),
            "form": form,
            "protective_marking": export["protective_marking"],
        },
    )


def _pdf(request, document: dict) -> bytes:
    context = {
        **page_context(
            request.user,
            document["protective_marking_key"],
            title=f"Subject access export {document['request_reference']}",
        ),
        "export": document,
        "subject_rows": subject_access.person_rows(document["subject"]),
        "merged": [
            (record, subject_access.person_rows(record)) for record in document["merged_records"]
        ],
    }
    return render_pdf("retention/subject_access/pdf.html", context, request=request)


def _download(content: bytes, content_type: str, extension: str) -> HttpResponse:
    """An attachment, never cached; the file name says what and when, never about whom."""
    response = HttpResponse(content, content_type=content_type)
    filename = dated_filename("subject-access", extension)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response


urlpatterns = [
    path("retention/subject-access/", find_person, name="subject-access"),
    path("retention/subject-access/<int:pk>/", person, name="subject-access-person"),
]
