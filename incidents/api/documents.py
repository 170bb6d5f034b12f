"""REST API: documents (SPEC W4, I1), scoped by the same policy as the pages.

GET  /api/v1/documents/?incident=<URN>     the incident's documents (404 out of scope)
POST /api/v1/documents/                    multipart: incident, file, kind, description
GET  /api/v1/documents/<id>/               one document's details
GET  /api/v1/documents/<id>/download/      the file, as an attachment; audited
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from access import policy
from access.api import PartnershipUser
from common.api import ANY_KEY

from ..models import Document, Incident
from ..services import documents as services
from ..views.documents import document_response
from . import incident_in_query


class DocumentSerializer(serializers.ModelSerializer):
    incident = serializers.CharField(source="incident.urn", read_only=True)
    uploaded_by = serializers.StringRelatedField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "incident",
            "kind",
            "description",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, document) -> str:
        url = reverse("api:document-download", args=[document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class DocumentUploadSerializer(serializers.Serializer):
    incident = serializers.CharField(max_length=20, help_text="The incident's reference (URN).")
    file = serializers.FileField(
        allow_empty_file=True,  # the service refuses empty files, and audits the refusal
        use_url=False,
        help_text="PDF, JPG, PNG, Word (DOCX) or plain text (TXT).",
    )
    kind = serializers.ChoiceField(choices=Document.Kind.choices)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )


class _AnyContentRenderer(BaseRenderer):
    """Lets a client ask for the file with any Accept header; the view returns the file."""

    media_type = "*/*"
    format = "file"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class DocumentViewSet(viewsets.GenericViewSet):
    serializer_class = DocumentSerializer
    permission_classes = [PartnershipUser]
    lookup_value_regex = ANY_KEY
    parser_classes = [MultiPartParser]  # an upload is a file

    def get_queryset(self):
        return Document.objects.filter(
            incident__in=Incident.objects.for_user(self.request.user, policy.Action.VIEW)
        ).select_related("incident", "uploaded_by")

    def get_serializer_class(self):
        return DocumentUploadSerializer if self.action == "create" else DocumentSerializer

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(getattr(self.request, "accepted_renderer", None), _AnyContentRenderer):
            # A refusal of a download is JSON, whatever the client would take for the file.
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def get_object(self):
        return services.get_document_for_user(
            self.request.user, self.kwargs["pk"], request=self.request
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("incident", OpenApiTypes.STR, required=True, description="URN")
        ]
    )
    def list(self, request, **kwargs):
        incident = incident_in_query(request)
        documents = incident.documents.select_related("uploaded_by").order_by(
            "-uploaded_at", "-id"
        )
        page = self.paginate_queryset(documents)
        for document in page:
            document.incident = incident
        return self.get_paginated_response(
            DocumentSerializer(page, many=True, context={"request": request}).data
        )

    @extend_schema(request=DocumentUploadSerializer, responses={201: DocumentSerializer})
    def create(self, request, **kwargs):
        upload = DocumentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        incident = policy.get_incident_for_user(
            request.user, data["incident"], policy.Action.EDIT, request=request
        )
        try:
            document = services.upload_document(
                incident,
                by=request.user,
                uploaded_file=data["file"],
                kind=data["kind"],
                description=data["description"],
            )
        except PermissionDenied:
            raise Http404 from None
        return Response(
            DocumentSerializer(document, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    def retrieve(self, request, pk=None, **kwargs):
        document = self.get_object()
        return Response(DocumentSerializer(document, context={"request": request}).data)

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[_AnyContentRenderer])
    def download(self, request, pk=None, **kwargs):
        document = services.get_document_for_user(
            request.user, pk, request=request, record_view=False
        )
        response = document_response(document)
        services.record_download(document, by=request.user)
        return response


routes = [("documents", DocumentViewSet, "document")]
