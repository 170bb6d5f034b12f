"""Sign-in security helpers. Placeholder (#6)."""

from django.http import HttpResponse


def locked_out(request, credentials=None, *args, **kwargs):
    return HttpResponse("Locked", status=429)
