from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from access.api import PartnershipUser
from incidents.api import case, documents, risk, tasks, worksheet
from people import api as people_api
from reports.api import adhoc as report_api
from reports.api import search as search_api

api = DefaultRouter()
for module in (case, worksheet, tasks, documents, risk, people_api, search_api, report_api):
    for prefix, viewset, basename in module.routes:
        api.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("", include("incidents.urls")),
    path("", include("complaints.urls")),
    path("", include("people.urls")),
    path("", include("access.urls")),
    path("", include("access.drafts_urls")),
    path("", include("access.administration.urls")),
    path("", include("audit.urls")),
    path("", include("reports.urls")),
    path("", include("retention.urls")),
    path(
        "api/v1/schema/",
        SpectacularAPIView.as_view(permission_classes=[PartnershipUser]),
        name="api-schema",
    ),
    path("api/v1/", include((api.urls, "api"), namespace="api")),
]
