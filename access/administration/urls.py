"""User administration and partner suspension (M1, G4, T4). Placeholder until built (#6)."""

from django.http import HttpResponse
from django.urls import path


def _placeholder(request, *args, **kwargs):
    return HttpResponse("Not built yet")


urlpatterns = [path("administration/", _placeholder, name="administration")]
