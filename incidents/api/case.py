"""REST API over incidents (SPEC I1), scoped by the same policy as the pages."""

from django.core.exceptions import PermissionDenied
from django.db import models
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.response import Response

from access import policy
from access.api import PartnershipUser
from access.models import Area
from common.api import (
    ANY_KEY,
    ChangeSerializer,
    DateTimeField,
    StrictInput,
    TextSlugRelatedField,
)
from common.conflicts import StaleEdit

from .. import services
from ..models import AggravatingFactor, Incident, PenCode, QualifierCode
from ..services.incident import EDITABLE_FIELDS, M2M_FIELDS


class IncidentSerializer(StrictInput, serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: DateTimeField,
    }
    area = TextSlugRelatedField(slug_field="name", queryset=Area.objects.filter(numchild=0))
    pen_code = TextSlugRelatedField(
        slug_field="code", queryset=PenCode.objects.filter(active=True), required=False,
        allow_null=True,
    )  # fmt: skip
    qualifier_codes = TextSlugRelatedField(
        slug_field="code", many=True, queryset=QualifierCode.objects.filter(active=True),
        required=False,
    )  # fmt: skip
    aggravating_factors = TextSlugRelatedField(
        slug_field="code", many=True, queryset=AggravatingFactor.objects.filter(active=True),
        required=False,
    )  # fmt: skip
    lead_organisation = serializers.CharField(source="lead_organisation.name", read_only=True)
    lead_officer = serializers.CharField(read_only=True, default=None)
    version = serializers.IntegerField(
        required=False, help_text="Required on update: the version you are changing."
    )

    class Meta:
        model = Incident
        read_only_fields = [
            "urn",
            "status",
            "lead_organisation",
            "lead_officer",
            "is_police_skeleton",
            "current_risk",
            "repeat_victim_flag",
            "repeat_perpetrator_flag",
            "repeat_location_flag",
            "created_at",
            "updated_at",
        ]
        fields = [*sorted(EDITABLE_FIELDS | M2M_FIELDS), "version", *read_only_fields]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            # Only the areas of the user's partnership can be named (T6).
            fields["area"].queryset = policy.recording_areas(request.user)
        return fields


_CONFLICT = inline_serializer(
    "IncidentConflict",
    {
        "detail": serializers.CharField(),
        "current_version": serializers.IntegerField(),
        "changes": ChangeSerializer(many=True),
    },
)


class IncidentViewSet(viewsets.ModelViewSet):
    """Incidents you may see. Create logs a complaint (police integrations add skeleton
    records with a crime reference, C4); update needs the `version` you read (409 if someone
    else saved since). There is no delete: retention deletes records."""

    serializer_class = IncidentSerializer
    permission_classes = [PartnershipUser]
    lookup_field = "urn"
    lookup_value_regex = ANY_KEY
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            policy.visible_incidents(self.request.user)
            .select_related("area", "lead_organisation", "lead_officer", "pen_code")
            .prefetch_related("qualifier_codes", "aggravating_factors")
        )

    def get_object(self):
        action = policy.Action.EDIT if self.request.method == "PATCH" else policy.Action.VIEW
        return policy.get_incident_for_user(
            self.request.user, self.kwargs["urn"], action, request=self.request
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        try:
            serializer.instance = services.log_complaint(
                by=self.request.user,
                police_skeleton=bool(data.get("crime_reference"))
                and self.request.user.organisation.is_police,
                **data,
            )
        except PermissionDenied:
            # Not about a record (nothing to hide), so an honest 403.
            raise exceptions.PermissionDenied("Your group may not log complaints.") from None

    @extend_schema(responses={200: IncidentSerializer, 409: _CONFLICT})
    def partial_update(self, request, *args, **kwargs):
        incident = self.get_object()
        serializer = self.get_serializer(incident, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        version = changes.pop("version", None)
        if version is None:
            raise serializers.ValidationError({"version": ["Give the version you are changing."]})
        try:
            updated = services.update_incident(
                incident, by=request.user, expected_version=version, **changes
            )
        except StaleEdit as stale:
            return Response(
                {
                    "detail": "Someone else changed this incident since that version.",
                    "current_version": Incident.objects.get(pk=incident.pk).version,
                    "changes": [
                        {"field": c.field, "old": c.old, "new": c.new, "by": c.by, "at": c.at}
                        for c in stale.changes
                    ],
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(self.get_serializer(updated).data)


routes = [("incidents", IncidentViewSet, "incident")]
