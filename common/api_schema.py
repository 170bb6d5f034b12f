"""The API's OpenAPI schema (drf-spectacular; settings `DEFAULT_SCHEMA_CLASS`), made to say
what the API does, so that clients - and the schema fuzzer, tests/api/test_schema_fuzz.py -
can rely on it. Kept apart from `common.api`, which DRF imports while it is itself being
imported (the paginator), as drf-spectacular imports DRF's views.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular import openapi as spectacular_openapi
from drf_spectacular.plumbing import ResolvedComponent

from .api import ANY_KEY, DEFAULT_KEY

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# A 400 names the fields that are wrong: a list of messages each, an object for a nested
# field or a list's items ({"person_fields": {"postcode": [...]}}, {"areas": {"0": [...]}}),
# or "detail" for a body that could not be read at all.
_FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {
        "anyOf": [
            {"type": "string"},
            {"type": "array", "items": {"type": "string"}},
            {"type": "object"},
        ]
    },
}
_ERRORS = [
    ("400", "FieldErrors", _FIELD_ERRORS, "Bad input: the messages, by field."),
    ("401", "Error", _DETAIL, "No credentials, or refused ones."),
    ("403", "Error", _DETAIL, "Your group may not do this, or not to a record you can see."),
    ("404", "Error", _DETAIL, "No such record, or not one you may see (the same answer, V5)."),
    ("415", "Error", _DETAIL, "A body in a media type the operation does not read."),
]
# The keywords of a field's schema that say what it is rather than what values it takes.
_ABOUT = {"readOnly", "writeOnly", "nullable", "deprecated", "description", "title", "default"}


def _model_field(field):
    """The model field a serializer field reads, if it reads one directly."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or len(field.source_attrs) != 1:
        return None
    try:
        model_field = model._meta.get_field(field.source_attrs[0])
    except FieldDoesNotExist:
        return None
    return model_field if isinstance(model_field, models.Field) else None  # not a relation


class AutoSchema(spectacular_openapi.AutoSchema):
    """drf-spectacular's schema, made to say what the API does:

    - the answers this handler gives for refusals and bad input: 401, 403 and 404 on every
      operation, 400 on those that take input (a body, or a query parameter other than the
      page), 415 on those with a body;
    - a read-only field (DRF drops `allow_blank` from those) takes an empty string or null
      where its model field may be blank or null;
    - bodies are JSON (DRF also reads forms, for its own pages), but for a view that reads
      only another media type (a file upload: multipart);
    - a key in the path has its model field's type, whatever the pattern (ANY_KEY).
    """

    def map_parsers(self):
        media_types = super().map_parsers()
        return ["application/json"] if "application/json" in media_types else media_types

    def _resolve_path_parameters(self, variables):
        # ANY_KEY only brings every key to the view; the key's type is its model field's,
        # which drf-spectacular reads for its own default pattern.
        self.path_regex = self.path_regex.replace(ANY_KEY, DEFAULT_KEY)
        return super()._resolve_path_parameters(variables)

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        model_field = _model_field(field) if field.read_only else None
        if model_field is None:
            return schema
        if model_field.null:
            schema["nullable"] = True
        constrained = {key: value for key, value in schema.items() if key not in _ABOUT}
        if (
            model_field.blank
            and isinstance(model_field, models.CharField | models.TextField)
            and constrained.keys() - {"type", "maxLength"}  # an enum, a format, a pattern
        ):
            about = {key: value for key, value in schema.items() if key in _ABOUT}
            schema = {**about, "oneOf": [constrained, {"type": "string", "maxLength": 0}]}
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        has_body = self._get_request_body() is not None
        takes_input = has_body or any(
            parameter["in"] == "query" and parameter["name"] != "page"
            for parameter in self._get_parameters()
        )
        for code, name, schema, description in _ERRORS:
            if (code == "400" and not takes_input) or (code == "415" and not has_body):
                continue
            component = ResolvedComponent(
                name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name
            )
            self.registry.register_on_missing(component)
            responses.setdefault(
                code,
                {
                    "description": description,
                    "content": {"application/json": {"schema": component.ref}},
                },
            )
        return responses
