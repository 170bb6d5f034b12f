"""One way for every API endpoint to answer a refusal or bad input (django REST framework's
EXCEPTION_HANDLER, set in settings):

- a service's `django.core.exceptions.ValidationError` is a 400 with field errors,
  {"field": ["message"], "non_field_errors": [...]}, whatever raised it;
- a service's `django.core.exceptions.PermissionDenied` is a 404, exactly as a missing record
  (a rule about a record refused it: out of scope and not found must look the same, V5);
- everything else as django REST framework answers it. An endpoint raises DRF's own
  PermissionDenied (an honest 403) only where the refusal reveals nothing: a whole group
  refused something that is not a record, or an action on a record the user can already
  see (completing a task they may see but not work).

So views call the service and let its exceptions through; nothing converts them by hand.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def field_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError as DRF's 400 body."""
    if not hasattr(error, "error_dict"):
        return {"non_field_errors": error.messages}
    return {
        ("non_field_errors" if field == NON_FIELD_ERRORS else field): messages
        for field, messages in error.message_dict.items()
    }


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(field_errors(exc))
    elif isinstance(exc, PermissionDenied):
        exc = Http404()
    return drf_exception_handler(exc, context)
