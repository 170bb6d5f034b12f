"""Pages for people (SPEC P1-P6, S1, A1). Included at the site root."""

from django.urls import path

from . import merge_views, views

urlpatterns = [
    path("people/search/", views.person_search, name="person-search"),
    path("people/merge/", merge_views.people_merge, name="people-merge"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person-edit"),
    path("people/<int:pk>/history/", views.person_history, name="person-history"),
    path("people/<int:pk>/undo-merge/", merge_views.people_merge_undo, name="people-merge-undo"),
    path("incidents/<str:urn>/people/add/", views.involvement_add, name="involvement-add"),
    path(
        "incidents/<str:urn>/people/<int:pk>/",
        views.involvement_detail,
        name="involvement-detail",
    ),
    path(
        "incidents/<str:urn>/people/<int:pk>/interventions/<int:intervention_pk>/",
        views.intervention_edit,
        name="intervention-edit",
    ),
]
