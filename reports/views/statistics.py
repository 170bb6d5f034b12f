"""Placeholder: filled in by its owner."""

from django.http import Http404


def statistics(request, **kwargs):
    raise Http404


def statistics_csv(request, **kwargs):
    raise Http404
