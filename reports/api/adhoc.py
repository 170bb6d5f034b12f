"""The ad-hoc reporting module over the API (SPEC S2, I1): run a report, keep definitions.

Filters travel in the POST body (never in the URL, §17). There is no session in the API, so
every run carries its purpose, which is logged with it like a run from the page.
"""

from __future__ import annotations

from django.http import QueryDict
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from access import policy
from access.api import ReportingUser
from common.api import ANY_KEY, StrictInput, check_types, json_object

from .. import services
from ..forms import PurposeForm, ReportForm
from ..models import SavedReport
from ..queries import COLUMNS, ReportDefinition, get_saved_report_for_user
from ..views.adhoc import run_report, summary_table


def _form_errors(form) -> dict:
    return {
        field: [error["message"] for error in errors]
        for field, errors in form.errors.get_json_data().items()
    }


def _bound_report_form(data, viewer) -> ReportForm:
    """The page's form, bound to a JSON body (lists stay lists)."""
    if not isinstance(data, QueryDict):
        data = {key: value for key, value in data.items() if value is not None}
        data.setdefault("subject", "incidents")
    return ReportForm(data, viewer=viewer)


def _definition(data, viewer) -> ReportDefinition:
    form = _bound_report_form(data, viewer)
    if not form.is_valid():
        raise ValidationError(_form_errors(form))
    return form.definition()


class ReportRunSerializer(serializers.Serializer):
    """For the schema: a run's body. Validation is the report page's own form."""

    purpose = serializers.CharField(help_text="Why you are running this report (logged).")
    subject = serializers.ChoiceField(
        choices=["incidents", "people", "involvements"], default="incidents"
    )
    reported_from = serializers.DateField(required=False)
    reported_to = serializers.DateField(required=False)
    areas = serializers.ListField(child=serializers.IntegerField(), required=False)
    categories = serializers.ListField(child=serializers.CharField(), required=False)
    aggravating_factors = serializers.ListField(child=serializers.CharField(), required=False)
    risk_levels = serializers.ListField(child=serializers.CharField(), required=False)
    statuses = serializers.ListField(child=serializers.CharField(), required=False)
    roles = serializers.ListField(child=serializers.CharField(), required=False)
    intervention_types = serializers.ListField(child=serializers.IntegerField(), required=False)
    organisations = serializers.ListField(child=serializers.IntegerField(), required=False)
    text = serializers.CharField(required=False)
    group_rows = serializers.CharField(required=False)
    group_columns = serializers.CharField(required=False)
    sort = serializers.CharField(required=False, help_text='A column key; "-key" descending.')
    page = serializers.IntegerField(required=False, min_value=1)


class ReportColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class ReportSummaryRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    counts = serializers.ListField(child=serializers.IntegerField())


class ReportSummarySerializer(serializers.Serializer):
    title = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = ReportSummaryRowSerializer(many=True)


class ReportResultSerializer(serializers.Serializer):
    """For the schema: a run's answer."""

    count = serializers.IntegerField(help_text="How many rows the report has.")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    sort = serializers.CharField()
    columns = ReportColumnSerializer(many=True)
    rows = serializers.ListField(
        child=serializers.DictField(), help_text="This page's rows: each column's key, and id."
    )
    summary = ReportSummarySerializer(
        allow_null=True, help_text="The counts grouped as asked, if asked."
    )


class ReportRunViewSet(viewsets.ViewSet):
    """POST a report's filters and purpose; get a page of rows (50) and any summary."""

    permission_classes = [ReportingUser]
    serializer_class = ReportRunSerializer

    @extend_schema(request=ReportRunSerializer, responses={200: ReportResultSerializer})
    def create(self, request, **kwargs):
        data = json_object(request.data)
        # Each value of the type the schema gives; then the page's own form says the rest.
        check_types(ReportRunSerializer(), data)
        purpose_form = PurposeForm({"purpose": data.get("purpose", "")})
        errors = {} if purpose_form.is_valid() else _form_errors(purpose_form)
        form = _bound_report_form(data, request.user)
        if not form.is_valid():
            errors.update(_form_errors(form))
        if errors:
            raise ValidationError(errors)
        definition = form.definition()
        sort, page, summary = run_report(
            request.user,
            definition,
            sort=str(data.get("sort") or ""),
            page_number=data.get("page") or 1,
            purpose=purpose_form.cleaned_data["purpose"],
        )
        columns = COLUMNS[definition.subject]
        rows = []
        for row in page.object_list:
            values = {key: accessor(row) for key, _label, accessor in columns}
            values["id"] = row.pk
            rows.append(values)
        return Response(
            {
                "count": page.paginator.count,
                "page": page.number,
                "pages": page.paginator.num_pages,
                "sort": sort,
                "columns": [{"key": key, "label": label} for key, label, _ in columns],
                "rows": rows,
                "summary": summary_table(definition, summary),
            }
        )


class SavedReportSerializer(StrictInput, serializers.ModelSerializer):
    definition = serializers.JSONField(
        help_text="The report's filters, as posted to /reports/run/ (without purpose)."
    )

    class Meta:
        model = SavedReport
        fields = ["id", "name", "definition", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_definition(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Give the filters as an object.")
        try:
            return _definition(value, self.context["request"].user)
        except ValidationError as error:
            raise serializers.ValidationError(error.detail) from error


class SavedReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your own saved report definitions; nobody else's are listed or reachable (404)."""

    permission_classes = [ReportingUser]
    serializer_class = SavedReportSerializer
    lookup_value_regex = ANY_KEY

    def get_queryset(self):
        return policy.saved_reports_for(self.request.user)

    def get_object(self):
        return get_saved_report_for_user(
            self.request.user,
            self.kwargs["pk"],
            request=self.request,
            action="delete" if self.request.method == "DELETE" else "view",
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = services.save_report(
            request.user,
            name=serializer.validated_data["name"],
            definition=serializer.validated_data["definition"],
        )
        return Response(self.get_serializer(saved).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.delete_report(self.request.user, instance)


routes = [
    ("reports/run", ReportRunViewSet, "report-run"),
    ("reports/saved", SavedReportViewSet, "saved-report"),
]
