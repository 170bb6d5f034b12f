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

It also holds what every endpoint shares about its input and its schema: `ANY_KEY` (the
lookup pattern that brings every key in a URL to the endpoint, so that a key that names no
record is the API's JSON 404 rather than the site's HTML page), `json_object` (a body that
must be an object), `StrictInput` (each value of the type the schema gives) and the
paginator. The schema of these answers is `common.api_schema.AutoSchema`.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, pagination, relations, serializers
from rest_framework.utils import html
from rest_framework.views import exception_handler as drf_exception_handler


class ChangeSerializer(serializers.Serializer):
    """For the schema of a 409: one change someone else saved since the version sent
    (`common.conflicts.Change`)."""

    field = serializers.CharField()
    old = serializers.CharField(allow_blank=True)
    new = serializers.CharField(allow_blank=True)
    by = serializers.CharField()
    at = serializers.DateTimeField()


def field_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError as DRF's 400 body."""
    if not hasattr(error, "error_dict"):
        return {"non_field_errors": error.messages}
    return {
        ("non_field_errors" if field == NON_FIELD_ERRORS else field): messages
        for field, messages in error.message_dict.items()
    }


# A viewset's `lookup_value_regex`: any one path segment reaches the viewset, whose getter
# answers a key that cannot name a record (a letter, a dot, a number too big) with 404.
ANY_KEY = "[^/]+"
DEFAULT_KEY = "[^/.]+"  # DRF's router's own

NOT_AN_OBJECT = "Send the details as a JSON object, with a name and a value for each field."


def json_object(data):
    """The request's body when it is an object (JSON or a form); otherwise (null, true, 1,
    a string or a list) a 400 that says so, rather than an error in the code that reads it."""
    if not isinstance(data, Mapping):
        raise exceptions.ValidationError({"non_field_errors": [NOT_AN_OBJECT]})
    return data


# --- Input: each value of the type the schema gives ---------------------------------------------

# The JSON type each kind of field takes, and what to say when a value is of another. DRF
# itself turns 0 into "0", "5" into 5 and "yes" into true; the schema promises the types.
_TEXT = ((str,), "Give text.")
_TYPES = [
    (serializers.BooleanField, (bool,), "Give true or false."),
    (serializers.IntegerField, (int,), "Give a whole number."),
    (serializers.FloatField, (int, float), "Give a number."),
    (serializers.DateTimeField, (str,), 'Give a date and time, e.g. "2026-03-31T14:30:00Z".'),
    (serializers.DateField, (str,), 'Give a date, e.g. "2026-03-31".'),
    (serializers.DecimalField, (str,), 'Give the number as text, e.g. "52.6369".'),
    (relations.PrimaryKeyRelatedField, (int,), "Give a whole number."),
    (
        (serializers.ListField, serializers.MultipleChoiceField, relations.ManyRelatedField),
        (list,),
        "Give a list.",
    ),
    (serializers.DictField, (dict,), "Give an object."),
    ((serializers.CharField, serializers.ChoiceField, relations.RelatedField), *_TEXT),
]


def _wrong_type(field, value) -> str | None:
    """What is wrong with the type of `value` for `field`, if anything (None and missing
    values are the field's own business)."""
    kind = next((kind for kind in _TYPES if isinstance(field, kind[0])), None)
    if kind is None:
        return None
    _fields, types, message = kind
    if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
        return message
    child = getattr(field, "child", None) or getattr(field, "child_relation", None)
    if isinstance(value, list) and child is not None:
        problems = (_wrong_type(child, item) for item in value if item is not None)
        problem = next((problem for problem in problems if problem), None)
        if problem:
            return f"Each item: {problem[0].lower()}{problem[1:]}"
    return None


# A serializer mixin: in a JSON body, a value of another type than the schema gives is a 400
# on its field (a form's values are all text, and its fields read them as DRF does). No
# docstring: the schema would show it as the description of every serializer without one.
class StrictInput:
    def to_internal_value(self, data):
        check_types(self, data)
        return super().to_internal_value(data)


def check_types(serializer, data) -> None:
    """A 400 for each value in a JSON body of another type than `serializer`'s field for it
    takes (and so the schema gives); nothing else about the values is checked here."""
    if not isinstance(data, Mapping) or html.is_html_input(data):
        return
    errors = {}
    for field in serializer._writable_fields:
        value = data.get(field.field_name)
        problem = None if value is None else _wrong_type(field, value)
        if problem:
            errors[field.field_name] = [problem]
    if errors:
        raise exceptions.ValidationError(errors)


class DateTimeField(serializers.DateTimeField):
    """DRF's, from 1900 on: an earlier time comes back in its place's local mean time, with
    an offset in seconds that is no date-time (RFC 3339) at all; a time too near the end of
    year 9999 to convert is refused rather than an error."""

    default_error_messages = {"too_early": "Give a date and time from 1900 on."}

    def to_internal_value(self, value):
        try:
            parsed = super().to_internal_value(value)
        except OverflowError:
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]")
        if parsed < EARLIEST:
            self.fail("too_early")
        return parsed


EARLIEST = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)


class TextSlugRelatedField(relations.SlugRelatedField):
    """DRF's SlugRelatedField, but a name with a NUL byte (which PostgreSQL cannot take in a
    query) is a missing one, not a database error."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's, with `?page=` empty an invalid page (404) as the schema says (an integer from
    1), rather than the first."""

    def get_page_number(self, request, paginator):
        number = request.query_params.get(self.page_query_param)
        if number is None:
            return 1
        return paginator.num_pages if number in self.last_page_strings else number

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(field_errors(exc))
    elif isinstance(exc, PermissionDenied):
        exc = Http404()
    return drf_exception_handler(exc, context)
