"""Placeholder: filled in by its owner."""

from django.http import Http404


def report_export(request, **kwargs):
    raise Http404
