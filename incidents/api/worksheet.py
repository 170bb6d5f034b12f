"""REST API: working-sheet entries (SPEC W1, I1).

/api/v1/entries/?incident=ASB-2026-000001   list one incident's entries (the URN is required)
/api/v1/entries/                            POST: add an entry (or a correction)
/api/v1/entries/<id>/                       one entry

Entries are append-only: there is no update or delete (405). Out-of-scope incidents and
entries answer 404, exactly as missing ones do (V5).
"""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied as Forbidden
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from access import policy
from access.api import PartnershipUser
from common.api import ANY_KEY, DateTimeField, StrictInput

from .. import queries
from ..models import WorkingSheetEntry
from ..services import worksheet as services
from . import incident_in_query


class EntrySerializer(serializers.ModelSerializer):
    incident = serializers.CharField(source="incident.urn", read_only=True)
    author = serializers.CharField(source="author.display_name", read_only=True)

    class Meta:
        model = WorkingSheetEntry
        fields = [
            "id",
            "incident",
            "kind",
            "text",
            "occurred_at",
            "author",
            "created_at",
            "corrects",
            "referral_to",
            "involvement",
        ]
        read_only_fields = fields


class NewEntrySerializer(StrictInput, serializers.Serializer):
    incident = serializers.CharField(max_length=20, help_text="The incident's URN.")
    kind = serializers.ChoiceField(choices=WorkingSheetEntry.Kind.choices)
    text = serializers.CharField(max_length=20000, trim_whitespace=True)
    occurred_at = DateTimeField()
    corrects = serializers.IntegerField(
        required=False, allow_null=True, help_text="For a correction: the entry it corrects."
    )
    referral_to = serializers.ChoiceField(
        choices=WorkingSheetEntry.ReferralTo.choices, required=False, allow_blank=True
    )
    involvement = serializers.IntegerField(
        required=False, allow_null=True, help_text="For a referral: the involvement referred."
    )


class WorkingSheetEntryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = EntrySerializer
    permission_classes = [PartnershipUser]
    lookup_value_regex = ANY_KEY

    def get_serializer_class(self):
        return NewEntrySerializer if self.action == "create" else EntrySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema reads the model from it
            return WorkingSheetEntry.objects.none()
        incident = incident_in_query(self.request)
        return incident.entries.select_related("incident", "author__organisation").order_by(
            "occurred_at", "id"
        )

    def get_object(self):
        return queries.get_entry_for_user(
            self.request.user, self.kwargs["pk"], request=self.request
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("incident", str, required=True, description="The incident's URN.")
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=NewEntrySerializer, responses={201: EntrySerializer})
    def create(self, request, *args, **kwargs):
        data = NewEntrySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        incident = policy.get_incident_for_user(request.user, values["incident"], request=request)
        errors = {}
        corrects = involvement = None
        if values.get("corrects") is not None:
            corrects = incident.entries.filter(pk=values["corrects"]).first()
            if corrects is None:
                errors["corrects"] = ["The entry corrected must be an entry of this incident."]
        if values.get("involvement") is not None:
            involvement = incident.involvements.filter(pk=values["involvement"]).first()
            if involvement is None:
                errors["involvement"] = ["The person referred must be involved in this incident."]
        if errors:
            raise ValidationError(errors)
        try:
            entry = services.add_entry(
                incident,
                by=request.user,
                kind=values["kind"],
                text=values["text"],
                occurred_at=values["occurred_at"],
                corrects=corrects,
                referral_to=values.get("referral_to", ""),
                involvement=involvement,
            )
        except PermissionDenied:
            raise Forbidden("You may see this incident but not add to it.") from None
        return Response(EntrySerializer(entry).data, status=status.HTTP_201_CREATED)


routes = [("entries", WorkingSheetEntryViewSet, "entry")]
