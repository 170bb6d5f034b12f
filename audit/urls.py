"""Audit review and the disclosure and breach registers (A4-A6). Placeholder (#6)."""

from django.http import HttpResponse
from django.urls import path


def _placeholder(request, *args, **kwargs):
    return HttpResponse("Not built yet")


urlpatterns = [
    path("audit/", _placeholder, name="audit-events"),
    path("audit/my-use/", _placeholder, name="audit-mine"),
]
