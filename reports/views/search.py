"""Placeholder: filled in by its owner."""

from django.http import Http404


def search(request, **kwargs):
    raise Http404
