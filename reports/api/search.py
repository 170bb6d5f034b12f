"""REST API: basic search (SPEC S1, I1), the same search as the page.

`POST /api/v1/search/` with the terms in the body (never in a URL, §17), within the
caller's own scope. Basic users have no search: 404, as for people matching (people/api.py).
Every search is audited like the page's.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from access import policy
from access.api import PartnershipUser
from common.api import StrictInput
from incidents.models import Incident
from people import services as people_services

from ..forms import SearchForm
from ..views import search as basic_search
from ..views.search import EMPTY_TEXT, RESULT_LIMIT


class SearchRequestSerializer(StrictInput, serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=SearchForm.KINDS,
        error_messages={"invalid_choice": "Choose incidents, locations or people."},
    )
    text = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Incidents: a reference, crime reference or words. Locations: a postcode, "
        "UPRN or address. Not used for people.",
        error_messages={"max_length": "Search terms must be 200 characters or fewer."},
    )
    given_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    family_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Required for people."
    )
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True)

    def validate_postcode(self, value):
        try:
            return people_services.normalise_postcode(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages[0]) from None

    def validate(self, data):
        if data["kind"] == "people":
            if not data.get("family_name", "").strip():
                raise serializers.ValidationError({"family_name": ["Enter their last name"]})
        elif not data.get("text", "").strip():
            raise serializers.ValidationError({"text": [EMPTY_TEXT]})
        return data


class IncidentResultSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.name")
    reported = serializers.SerializerMethodField(help_text="When it was reported.")
    url = serializers.HyperlinkedIdentityField(
        view_name="api:incident-detail", lookup_field="urn", help_text="The incident's detail."
    )

    class Meta:
        model = Incident
        fields = ["urn", "crime_reference", "area", "category", "status", "marking",
                  "reported", "url"]  # fmt: skip
        read_only_fields = fields

    def get_reported(self, incident) -> str:
        return (incident.received_at or incident.created_at).date().isoformat()


class PersonResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="person.pk")
    given_name = serializers.CharField(source="person.given_name")
    family_name = serializers.CharField(source="person.family_name")
    date_of_birth = serializers.DateField(source="person.date_of_birth", allow_null=True)
    postcode = serializers.CharField(source="person.postcode")
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


class LocationResultSerializer(serializers.Serializer):
    postcode = serializers.CharField()
    address = serializers.CharField()
    incident_count = serializers.IntegerField()
    urns = serializers.ListField(
        child=serializers.CharField(), help_text="The latest incidents' references."
    )


RESULT_SERIALIZERS = {
    "incidents": IncidentResultSerializer,
    "people": PersonResultSerializer,
    "locations": LocationResultSerializer,
}


class SearchResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        help_text=f"How many matched; at most {RESULT_LIMIT} are listed (narrow the search "
        "to see the others)."
    )
    results = PolymorphicProxySerializer(
        component_name="SearchResult",
        serializers=[
            IncidentResultSerializer,
            PersonResultSerializer,
            LocationResultSerializer,
        ],
        resource_type_field_name=None,
        many=True,
    )


class SearchViewSet(viewsets.ViewSet):
    """Find incidents, people or locations among the records you can see (S1)."""

    permission_classes = [PartnershipUser]

    @extend_schema(
        operation_id="search",
        request=SearchRequestSerializer,
        responses={200: SearchResponseSerializer},
    )
    def create(self, request, **kwargs):
        """Search. The terms go in the body; every search is recorded."""
        if not policy.may_search(request.user):
            raise Http404
        query = SearchRequestSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        kind = data["kind"]
        if kind == "people":
            terms = {
                "given_name": data.get("given_name", ""),
                "family_name": data["family_name"],
                "date_of_birth": data.get("date_of_birth"),
                "postcode": data.get("postcode", ""),
            }
            results = basic_search.find_people(
                request.user, terms, limit=basic_search.RESULT_LIMIT
            )
        else:
            results = basic_search.run_search(
                request.user, kind, data["text"], limit=basic_search.RESULT_LIMIT
            )
        serializer = RESULT_SERIALIZERS[kind](
            results.rows, many=True, context={"request": request}
        )
        return Response({"count": results.total, "results": serializer.data})


routes = [("search", SearchViewSet, "search")]
