"""Placeholder: filled in by its owner."""

from django.http import Http404


def hotspots(request, **kwargs):
    raise Http404
