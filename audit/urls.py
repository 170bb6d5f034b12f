"""Audit review and the disclosure and breach registers (SPEC A4-A6).

Audit filters are POSTed (a record's reference or a user is never in a URL, §17); the register
lists and the disclosure report take only dates in their query strings.
"""

from django.urls import path

from .views import breaches, disclosures, review

urlpatterns = [
    path("audit/", review.events, name="audit-events"),
    path("audit/export/", review.export, name="audit-export"),
    path("audit/users/<int:pk>/", review.user_trail, name="audit-user"),
    path("audit/my-use/", review.my_use, name="audit-mine"),
    path("registers/disclosures/", disclosures.disclosure_list, name="disclosures"),
    path("registers/disclosures/add/", disclosures.disclosure_add, name="disclosure-add"),
    path(
        "registers/disclosures/<int:pk>/", disclosures.disclosure_detail, name="disclosure-detail"
    ),
    path("registers/disclosures/report/", disclosures.disclosure_report, name="disclosure-report"),
    path(
        "registers/disclosures/report/download/",
        disclosures.disclosure_report_csv,
        name="disclosure-report-csv",
    ),
    path("registers/breaches/", breaches.breach_list, name="breaches"),
    path("registers/breaches/add/", breaches.breach_add, name="breach-add"),
    path("registers/breaches/<int:pk>/", breaches.breach_detail, name="breach-detail"),
    path("registers/breaches/<int:pk>/edit/", breaches.breach_edit, name="breach-edit"),
]
