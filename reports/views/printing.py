"""Placeholder: filled in by its owner."""

from django.http import Http404


def report_pdf(request, **kwargs):
    raise Http404


def incident_pdf(request, **kwargs):
    raise Http404
