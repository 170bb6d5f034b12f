"""The REST API of the incidents app; each module lists its routes for the router."""

from rest_framework import serializers

from access import policy

INCIDENT_REQUIRED = "Give the incident's reference, e.g. ?incident=ASB-2026-000001."

# `?incident=` read as a body's field is: a NUL byte (which no reference has, and PostgreSQL
# cannot take) is a 400 on the field, as in a body; any other value that names no incident
# you can see is a 404.
_INCIDENT_PARAMETER = serializers.CharField(allow_blank=True)


def incident_in_query(request, *, required: bool = True):
    """The incident a list is narrowed to by `?incident=<URN>`, fetched through the policy:
    404 (and a logged denial) when it is missing or out of scope, never an empty list that
    would tell the two apart."""
    try:
        urn = _INCIDENT_PARAMETER.run_validation(request.query_params.get("incident", ""))
    except serializers.ValidationError as error:
        raise serializers.ValidationError({"incident": error.detail}) from None
    urn = urn.strip()
    if not urn:
        if required:
            raise serializers.ValidationError({"incident": [INCIDENT_REQUIRED]})
        return None
    return policy.get_incident_for_user(request.user, urn, request=request)
