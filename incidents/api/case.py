"""REST API over incidents (SPEC I1), scoped by the same policy as the pages."""

from rest_framework import serializers, viewsets

from access import policy
from access.api import PartnershipUser

from ..models import Incident


class IncidentSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.name", read_only=True)
    lead_organisation = serializers.CharField(source="lead_organisation.name", read_only=True)
    lead_officer = serializers.CharField(read_only=True, default=None)

    class Meta:
        model = Incident
        fields = [
            "urn",
            "area",
            "description",
            "status",
            "marking",
            "lead_organisation",
            "lead_officer",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class IncidentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = IncidentSerializer
    permission_classes = [PartnershipUser]
    lookup_field = "urn"

    def get_queryset(self):
        return policy.visible_incidents(self.request.user).select_related(
            "area", "lead_organisation", "lead_officer"
        )

    def get_object(self):
        return policy.get_incident_for_user(
            self.request.user, self.kwargs["urn"], request=self.request
        )


routes = [("incidents", IncidentViewSet, "incident")]
