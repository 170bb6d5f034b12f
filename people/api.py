"""REST API: people and involvements (SPEC I1, P1-P3), scoped by the same policy as the pages.

Out-of-scope records answer 404 (V5). Updates to a person must name the `version` they
were based on; a stale one answers 409 with what changed since.
"""

from dataclasses import asdict

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from access import policy
from access.api import PartnershipUser
from common.api import ANY_KEY, ChangeSerializer, StrictInput, field_errors, json_object
from common.conflicts import StaleEdit
from incidents.api import incident_in_query

from . import queries, services
from .models import Involvement, Person

# --- Serializers ------------------------------------------------------------------------------


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = [
            "id",
            *services.PERSON_FIELDS,
            "merged_into",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PersonInputSerializer(StrictInput, serializers.Serializer):
    """A person's details as sent by a client; the service validates and normalises them."""

    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    other_names = serializers.CharField(max_length=200, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    estimated_age = serializers.IntegerField(required=False, allow_null=True)
    gender = serializers.ChoiceField(Person.Gender.choices, required=False)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True)
    uprn = serializers.CharField(max_length=12, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    ni_number = serializers.CharField(max_length=13, required=False, allow_blank=True)
    language = serializers.CharField(max_length=50, required=False, allow_blank=True)
    ethnicity = serializers.ChoiceField(Person.Ethnicity.choices, required=False)
    disability = serializers.CharField(required=False, allow_blank=True)
    vulnerability = serializers.CharField(required=False, allow_blank=True)
    support_needs = serializers.CharField(required=False, allow_blank=True)


class PersonUpdateSerializer(PersonInputSerializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The version the change is based on (from the last read)."
    )


class MatchQuerySerializer(StrictInput, serializers.Serializer):
    given_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    family_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")

    def validate_postcode(self, value):
        try:
            return services.normalise_postcode(value)
        except DjangoValidationError as error:
            raise ValidationError(error.messages[0]) from None


class PersonSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "given_name", "family_name", "date_of_birth", "postcode"]
        read_only_fields = fields


class MatchSerializer(serializers.Serializer):
    person = PersonSummarySerializer()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


class InvolvementSerializer(serializers.ModelSerializer):
    incident = serializers.CharField(source="incident.urn", read_only=True)
    created_by = serializers.CharField(read_only=True)

    class Meta:
        model = Involvement
        fields = [
            "id",
            "incident",
            "person",
            "anonymised_label",
            "role",
            "dependant_of",
            "risk_notes",
            "support_needs",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class InvolvementCreateSerializer(StrictInput, serializers.Serializer):
    incident = serializers.CharField(max_length=20, help_text="The incident's reference (URN).")
    role = serializers.ChoiceField(Involvement.Role.choices)
    person = serializers.IntegerField(
        required=False, allow_null=True, help_text="An existing person to link."
    )
    person_fields = PersonInputSerializer(
        required=False, allow_null=True, help_text="A new person's details."
    )
    anonymised_label = serializers.CharField(max_length=100, required=False, allow_blank=True)
    dependant_of = serializers.IntegerField(required=False, allow_null=True)
    risk_notes = serializers.CharField(required=False, allow_blank=True)
    support_needs = serializers.CharField(required=False, allow_blank=True)


_CONFLICT = inline_serializer(
    "PersonConflict",
    {
        "detail": serializers.CharField(),
        "version": serializers.IntegerField(),
        "changes": ChangeSerializer(many=True),
    },
)


# --- Viewsets ---------------------------------------------------------------------------------


class PersonViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """People in the incidents the user can see."""

    serializer_class = PersonSerializer
    permission_classes = [PartnershipUser]
    lookup_value_regex = ANY_KEY

    def get_queryset(self):
        return policy.visible_people(self.request.user).filter(merged_into__isnull=True)

    def get_object(self):
        return policy.get_person_for_user(
            self.request.user, self.kwargs["pk"], request=self.request
        )

    @extend_schema(
        request=PersonUpdateSerializer,
        responses={200: PersonSerializer, 409: _CONFLICT},
    )
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        person = policy.get_person_for_user(
            request.user, self.kwargs["pk"], "edit", request=request
        )
        data = json_object(request.data)
        incoming = PersonUpdateSerializer(data=data, partial=partial)
        if partial and "version" not in data:
            raise ValidationError({"version": ["This field is required."]})
        incoming.is_valid(raise_exception=True)
        fields = dict(incoming.validated_data)
        version = fields.pop("version")
        try:
            person = services.update_person(
                person, by=request.user, expected_version=version, **fields
            )
        except StaleEdit as stale:
            person.refresh_from_db()
            return Response(
                {
                    "detail": "Someone else changed this record while you were editing it.",
                    "version": person.version,
                    "changes": [asdict(change) for change in stale.changes],
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(PersonSerializer(person).data)

    @extend_schema(
        request=PersonUpdateSerializer,
        responses={200: PersonSerializer, 409: _CONFLICT},
    )
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(
        request=MatchQuerySerializer,
        responses=inline_serializer("PersonMatches", {"results": MatchSerializer(many=True)}),
    )
    @action(detail=False, methods=["post"], url_path="matches")
    def matches(self, request):
        """Likely matches for a person about to be added (P2), among people the user can
        see. Basic users have no search (S1): 404."""
        if not policy.works_cases(request.user):
            raise Http404
        query = MatchQuerySerializer(data=request.data)
        query.is_valid(raise_exception=True)
        matches = services.search_people(
            request.user,
            purpose="Matching through the API",
            **query.validated_data,
        )
        return Response({"results": MatchSerializer(matches, many=True).data})


class InvolvementViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """People's parts in incidents. List one incident's with `?incident=<URN>`."""

    serializer_class = InvolvementSerializer
    permission_classes = [PartnershipUser]
    lookup_value_regex = ANY_KEY

    def get_queryset(self):
        involvements = (
            Involvement.objects.filter(
                incident__in=policy.visible_incidents(self.request.user).values("pk")
            )
            .select_related("incident", "created_by")
            .order_by("incident_id", "id")
        )
        incident = incident_in_query(self.request, required=False)
        if incident is not None:
            involvements = involvements.filter(incident=incident)
        return involvements

    @extend_schema(
        parameters=[
            OpenApiParameter("incident", str, description="Only this incident's (its URN).")
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_object(self):
        # Logs the read of the incident, or the denial (V5).
        return queries.get_involvement_for_user(
            self.request.user, self.kwargs["pk"], request=self.request, related=("created_by",)
        )

    @extend_schema(request=InvolvementCreateSerializer, responses={201: InvolvementSerializer})
    def create(self, request, *args, **kwargs):
        incoming = InvolvementCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        incident = policy.get_incident_for_user(
            request.user, data["incident"], "edit", request=request
        )
        person = None
        if data.get("person") is not None:
            person = policy.visible_people(request.user).filter(pk=data["person"]).first()
            if person is None:
                raise ValidationError({"person": ["There is no person you can see with this id."]})
        dependant_of = None
        if data.get("dependant_of") is not None:
            dependant_of = incident.involvements.filter(pk=data["dependant_of"]).first()
            if dependant_of is None:
                raise ValidationError(
                    {"dependant_of": ["Choose someone involved in this incident."]}
                )
        try:
            involvement = services.add_involvement(
                incident,
                by=request.user,
                role=data["role"],
                person=person,
                person_fields=dict(data["person_fields"]) if data.get("person_fields") else None,
                anonymised_label=data.get("anonymised_label", ""),
                dependant_of=dependant_of,
                risk_notes=data.get("risk_notes", ""),
                support_needs=data.get("support_needs", ""),
            )
        except DjangoValidationError as error:
            errors = field_errors(error)
            # A new person's details come back under "person_fields", where they were sent.
            nested = {k: v for k, v in errors.items() if k in services.PERSON_FIELDS}
            if nested:
                errors = {k: v for k, v in errors.items() if k not in nested}
                errors["person_fields"] = nested
            raise ValidationError(errors) from None
        except PermissionDenied:
            raise Http404 from None
        return Response(InvolvementSerializer(involvement).data, status=status.HTTP_201_CREATED)


routes = [
    ("people", PersonViewSet, "person"),
    ("involvements", InvolvementViewSet, "involvement"),
]
