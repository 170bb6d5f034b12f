from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("complaints/new/", views.log_complaint, name="log-complaint"),
    path("complaints/logged/", views.complaint_logged, name="complaint-logged"),
    path("incidents/<str:urn>/", views.incident_detail, name="incident-detail"),
]
