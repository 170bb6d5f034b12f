"""Placeholder: filled in by its owner."""

from django.http import Http404


def report(request, **kwargs):
    raise Http404


def purpose(request, **kwargs):
    raise Http404


def save(request, **kwargs):
    raise Http404


def run_saved(request, **kwargs):
    raise Http404


def delete_saved(request, **kwargs):
    raise Http404
