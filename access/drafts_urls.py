from django.urls import path

from . import drafts

urlpatterns = [
    path("session/status/", drafts.session_status, name="session-status"),
    path("session/extend/", drafts.session_extend, name="session-extend"),
    path("drafts/", drafts.drafts, name="form-draft-save"),
    path("drafts/delete/", drafts.drafts_delete, name="form-draft-delete"),
]
