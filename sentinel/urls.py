from django.urls import include, path
from rest_framework.routers import DefaultRouter

from incidents.api import IncidentViewSet

api = DefaultRouter()
api.register("incidents", IncidentViewSet, basename="incident")


urlpatterns = [
    path("", include("incidents.urls")),
    path("", include("access.urls")),
    path("api/v1/", include((api.urls, "api"), namespace="api")),
]
