"""REST API: victim risk assessments and their questions (SPEC R1, I1), scoped by the same
policy as the pages.

    GET  /api/v1/risk-questions/                    the active questions (any partnership user)
    GET  /api/v1/risk-assessments/?incident=<URN>   the incident's assessments, newest first
    POST /api/v1/risk-assessments/                  {"incident": URN, "answers": {"<question
                                                    id>": true|false, ...}, "involvement": id,
                                                    "notes": ""}
    GET  /api/v1/risk-assessments/<id>/             one assessment with its answers

Unanswered questions come back as 400 with one message per question, keyed `question_<id>`.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from access import policy
from access.api import PartnershipUser
from common.api import ANY_KEY, StrictInput

from ..models import Incident, RiskAnswer, RiskAssessment, RiskQuestion
from ..services import risk as services
from . import incident_in_query


class RiskQuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskQuestion
        fields = ["id", "text", "help_text", "weight", "order"]
        read_only_fields = fields


class RiskAnswerSerializer(serializers.ModelSerializer):
    question = serializers.IntegerField(source="question_id", read_only=True)

    class Meta:
        model = RiskAnswer
        fields = ["question", "question_text", "weight", "answer"]
        read_only_fields = fields


class RiskAssessmentSerializer(serializers.ModelSerializer):
    incident = serializers.CharField(source="incident.urn", read_only=True)
    involvement = serializers.IntegerField(source="involvement_id", read_only=True)
    assessed_by = serializers.StringRelatedField()
    answers = RiskAnswerSerializer(many=True, read_only=True)

    class Meta:
        model = RiskAssessment
        fields = [
            "id",
            "incident",
            "involvement",
            "score",
            "level",
            "notes",
            "assessed_by",
            "assessed_at",
            "answers",
        ]
        read_only_fields = fields


class RiskAssessmentCreateSerializer(StrictInput, serializers.Serializer):
    incident = serializers.CharField(max_length=20, help_text="The incident's reference (URN).")
    answers = serializers.DictField(
        child=serializers.BooleanField(),
        help_text='Every active question\'s id with true or false, e.g. {"3": true}.',
    )
    involvement = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The victim or complainant involvement assessed (optional).",
    )
    notes = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=services.NOTES_MAX
    )

    def validate_answers(self, answers: dict) -> dict[int, bool]:
        if not all(str(key).isdigit() for key in answers):
            raise serializers.ValidationError('Use question ids as keys, e.g. {"3": true}.')
        return {int(key): value for key, value in answers.items()}


class RiskQuestionViewSet(viewsets.ReadOnlyModelViewSet):
    """The questions of the risk assessment now in use (reference data, not case data)."""

    serializer_class = RiskQuestionSerializer
    permission_classes = [PartnershipUser]
    lookup_value_regex = ANY_KEY
    queryset = RiskQuestion.objects.filter(active=True).order_by("order", "id")


class RiskAssessmentViewSet(viewsets.GenericViewSet):
    serializer_class = RiskAssessmentSerializer
    permission_classes = [PartnershipUser]
    lookup_value_regex = ANY_KEY

    def get_queryset(self):
        return RiskAssessment.objects.filter(
            incident__in=Incident.objects.for_user(self.request.user, policy.Action.VIEW)
        ).select_related("incident", "assessed_by")

    def get_serializer_class(self):
        if self.action == "create":
            return RiskAssessmentCreateSerializer
        return RiskAssessmentSerializer

    def get_object(self):
        return services.get_assessment_for_user(
            self.request.user, self.kwargs["pk"], request=self.request
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("incident", OpenApiTypes.STR, required=True, description="URN")
        ]
    )
    def list(self, request, **kwargs):
        incident = incident_in_query(request)
        assessments = (
            incident.assessments.select_related("assessed_by")
            .prefetch_related("answers")
            .order_by("-assessed_at", "-id")
        )
        page = self.paginate_queryset(assessments)
        for assessment in page:
            assessment.incident = incident
        return self.get_paginated_response(RiskAssessmentSerializer(page, many=True).data)

    @extend_schema(
        request=RiskAssessmentCreateSerializer, responses={201: RiskAssessmentSerializer}
    )
    def create(self, request, **kwargs):
        given = RiskAssessmentCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        incident = policy.get_incident_for_user(
            request.user, data["incident"], policy.Action.EDIT, request=request
        )
        involvement = None
        if data["involvement"] is not None:
            # Looked up among this incident's victims and complainants only.
            involvement = (
                services.assessable_involvements(incident).filter(pk=data["involvement"]).first()
            )
            if involvement is None:
                return Response(
                    {"involvement": ["Select a victim or complainant of this incident."]},
                    status=status.HTTP_400_BAD_REQUEST,
                )
        try:
            assessment = services.assess_risk(
                incident,
                by=request.user,
                answers=data["answers"],
                involvement=involvement,
                notes=data["notes"],
            )
        except PermissionDenied:
            raise Http404 from None
        return Response(RiskAssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, pk=None, **kwargs):
        assessment = self.get_object()
        return Response(RiskAssessmentSerializer(assessment).data)


routes = [
    ("risk-questions", RiskQuestionViewSet, "risk-question"),
    ("risk-assessments", RiskAssessmentViewSet, "risk-assessment"),
]
