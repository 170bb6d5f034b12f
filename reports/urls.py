"""Search, ad-hoc reports, exports, printing, hotspots and statistics (SPEC S1-S5).

Search terms and report filters are always POSTed, never put in a URL (§17); the pages that
take GET parameters (hotspots, statistics) take only a period and an area.
"""

from django.urls import path

from .views import adhoc, exports, hotspots, printing, search, statistics

urlpatterns = [
    path("search/", search.search, name="search"),
    path("reports/", adhoc.report, name="report"),
    path("reports/purpose/", adhoc.purpose, name="report-purpose"),
    path("reports/save/", adhoc.save, name="report-save"),
    path("reports/saved/<int:pk>/", adhoc.run_saved, name="report-saved-run"),
    path("reports/saved/<int:pk>/delete/", adhoc.delete_saved, name="report-saved-delete"),
    path("reports/export/", exports.report_export, name="report-export"),
    path("reports/print/", printing.report_pdf, name="report-print"),
    path("incidents/<str:urn>/print/", printing.incident_pdf, name="incident-print"),
    path("reports/hotspots/", hotspots.hotspots, name="hotspots"),
    path("reports/statistics/", statistics.statistics, name="statistics"),
    path("reports/statistics/download/", statistics.statistics_csv, name="statistics-csv"),
]
