"""The REST API of the incidents app; each module lists its routes for the router."""

from rest_framework import serializers

from access import policy

INCIDENT_REQUIRED = "Give the incident's reference, e.g. ?incident=ASB-2026-000001."


def incident_in_query(request, *, required: bool = True):
    """The incident a list is narrowed to by `?incident=<URN>`, fetched through the policy:
    404 (and a logged denial) when it is missing or out of scope, never an empty list that
    would tell the two apart."""
    urn = request.query_params.get("incident", "").strip()
    if not urn:
        if required:
            raise serializers.ValidationError({"incident": [INCIDENT_REQUIRED]})
        return None
    return policy.get_incident_for_user(request.user, urn, request=request)
