"""REST API: tasks and trigger alerts (SPEC W2, W3, I1).

/api/v1/tasks/                 tasks on incidents you can see (?incident=<URN>, ?assigned_to=me,
                               ?status=open|done|cancelled); POST raises a task
/api/v1/tasks/<id>/            one task; POST .../complete/ {note}, .../cancel/ {reason},
                               .../reassign/ {to}
/api/v1/alerts/                your own alerts (?unread=true); POST sends an alert
/api/v1/alerts/<id>/           one of your alerts; POST .../read/ marks it read

Out-of-scope records answer 404 like missing ones (V5); a record you can see but may not
change answers 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied as Forbidden
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from access import policy
from access.api import PartnershipUser
from access.models import User
from common.api import ANY_KEY, StrictInput

from .. import queries
from ..models import Alert, Incident, Task
from ..services import tasks as services
from . import incident_in_query


class PersonField(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")
    organisation = serializers.CharField(source="organisation.name")


class TaskSerializer(serializers.ModelSerializer):
    incident = serializers.CharField(source="incident.urn", read_only=True)
    assigned_to = PersonField(read_only=True)
    assigned_by = PersonField(read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "incident",
            "title",
            "details",
            "assigned_to",
            "assigned_by",
            "due_on",
            "status",
            "overdue",
            "completion_note",
            "completed_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_overdue(self, task) -> bool:
        return task.status == Task.Status.OPEN and task.due_on < timezone.localdate()


class NewTaskSerializer(StrictInput, serializers.Serializer):
    incident = serializers.CharField(max_length=20, help_text="The incident's URN.")
    assigned_to = serializers.IntegerField(help_text="The id of the user the task is for.")
    title = serializers.CharField(max_length=200)
    details = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    due_on = serializers.DateField()


class TaskFilterSerializer(serializers.Serializer):
    """A task list's filters, in the query string."""

    incident = serializers.CharField(
        required=False, allow_blank=True, help_text="Only this incident's tasks (its URN)."
    )
    assigned_to = serializers.ChoiceField(
        choices=["me"],
        required=False,
        allow_blank=True,
        help_text="Only the tasks assigned to you.",
    )
    status = serializers.ChoiceField(choices=Task.Status.choices, required=False, allow_blank=True)


class CompleteSerializer(StrictInput, serializers.Serializer):
    note = serializers.CharField(max_length=10000)


class CancelSerializer(StrictInput, serializers.Serializer):
    reason = serializers.CharField(max_length=10000)


class ReassignSerializer(StrictInput, serializers.Serializer):
    to = serializers.IntegerField(help_text="The id of the user to give the task to.")


def _call(service, *args, **kwargs):
    """Call a service on a task or incident the user can already see (the getter answered
    404 otherwise): a refusal here is about the action, not the record's existence, so it is
    an honest 403. Bad input is answered by common.api's handler (400 with field errors)."""
    try:
        return service(*args, **kwargs)
    except PermissionDenied:
        raise Forbidden() from None


def _user(pk: int) -> User | None:
    return User.objects.select_related("organisation").filter(pk=pk).first()


class TaskViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TaskSerializer
    permission_classes = [PartnershipUser]
    lookup_value_regex = ANY_KEY

    def get_serializer_class(self):
        return {
            "create": NewTaskSerializer,
            "complete": CompleteSerializer,
            "cancel": CancelSerializer,
            "reassign": ReassignSerializer,
        }.get(self.action, TaskSerializer)

    def get_queryset(self):
        user = self.request.user
        filters = TaskFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        tasks = Task.objects.filter(
            incident__in=Incident.objects.for_user(user, policy.Action.VIEW)
        ).select_related("incident", "assigned_to__organisation", "assigned_by__organisation")
        incident = incident_in_query(self.request, required=False)
        if incident is not None:
            tasks = tasks.filter(incident=incident)
        if params.get("assigned_to") == "me":
            tasks = tasks.filter(assigned_to=user)
        if params.get("status"):
            tasks = tasks.filter(status=params["status"])
        return tasks.order_by("due_on", "id")

    def get_object(self):
        return queries.get_task_for_user(
            self.request.user, self.kwargs["pk"], request=self.request
        )

    @extend_schema(parameters=[TaskFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=NewTaskSerializer, responses={201: TaskSerializer})
    def create(self, request, *args, **kwargs):
        data = NewTaskSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        incident = policy.get_incident_for_user(request.user, values["incident"], request=request)
        task = _call(
            services.raise_task,
            incident,
            by=request.user,
            assigned_to=_user(values["assigned_to"]),
            title=values["title"],
            details=values.get("details", ""),
            due_on=values["due_on"],
        )
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)

    def _act(self, request, serializer_class, service, field, arg):
        task = self.get_object()
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        value = data.validated_data[field]
        if field == "to":
            value = _user(value)
        task = _call(service, task, by=request.user, **{arg: value})
        return Response(TaskSerializer(task).data)

    @extend_schema(request=CompleteSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None, **kwargs):
        return self._act(request, CompleteSerializer, services.complete_task, "note", "note")

    @extend_schema(request=CancelSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None, **kwargs):
        return self._act(request, CancelSerializer, services.cancel_task, "reason", "reason")

    @extend_schema(request=ReassignSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None, **kwargs):
        return self._act(request, ReassignSerializer, services.reassign_task, "to", "to")


class AlertSerializer(serializers.ModelSerializer):
    incident = serializers.CharField(source="incident.urn", read_only=True)
    sender = PersonField(
        read_only=True, allow_null=True, help_text="Empty for automatic notifications."
    )
    can_view_incident = serializers.BooleanField(source="can_view", read_only=True)
    message = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "incident",
            "can_view_incident",
            "kind",
            "sender",
            "message",
            "created_at",
            "read_at",
        ]
        read_only_fields = fields

    def get_message(self, alert) -> str | None:
        # The message is case information: shown only while the recipient can see the case.
        return alert.message if alert.can_view else None


class AlertFilterSerializer(serializers.Serializer):
    """An alert list's filter, in the query string."""

    unread = serializers.BooleanField(required=False, help_text="Only the unread alerts.")


class NewAlertSerializer(StrictInput, serializers.Serializer):
    incident = serializers.CharField(max_length=20, help_text="The incident's URN.")
    recipient = serializers.IntegerField(help_text="The id of the user to alert.")
    kind = serializers.ChoiceField(
        choices=[(k.value, k.label) for k in Alert.PERSON_TO_PERSON], default=Alert.Kind.ATTENTION
    )
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class AlertViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AlertSerializer
    permission_classes = [PartnershipUser]
    lookup_value_regex = ANY_KEY

    def get_serializer_class(self):
        if self.action == "create":
            return NewAlertSerializer
        return AlertSerializer

    def get_queryset(self):
        user = self.request.user
        visible = Incident.objects.for_user(user, policy.Action.VIEW).filter(
            pk=OuterRef("incident_id")
        )
        alerts = (
            Alert.objects.filter(recipient_id=user.pk)
            .select_related("incident", "sender__organisation")
            .annotate(can_view=Exists(visible))
            .order_by("-created_at", "-id")
        )
        if self.action == "list":
            filters = AlertFilterSerializer(data=self.request.query_params)
            filters.is_valid(raise_exception=True)
            if filters.validated_data.get("unread"):
                alerts = alerts.filter(read_at__isnull=True)
        return alerts

    def get_object(self):
        return queries.get_alert_for_user(
            self.request.user,
            self.kwargs["pk"],
            request=self.request,
            alerts=self.get_queryset(),
            action="read" if self.action == "read" else "view",
        )

    @extend_schema(parameters=[AlertFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=NewAlertSerializer, responses={201: AlertSerializer})
    def create(self, request, *args, **kwargs):
        data = NewAlertSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        incident = policy.get_incident_for_user(request.user, values["incident"], request=request)
        recipient = _user(values["recipient"])
        if recipient is None:
            raise ValidationError({"recipient": ["There is no user with this id."]})
        alert = _call(
            services.send_alert,
            incident,
            by=request.user,
            recipient=recipient,
            kind=values["kind"],
            message=values.get("message", ""),
        )
        alert.can_view = True
        return Response(AlertSerializer(alert).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None, **kwargs):
        alert = self.get_object()
        can_view = alert.can_view
        alert = _call(services.mark_alert_read, alert, by=request.user)
        alert.can_view = can_view
        return Response(AlertSerializer(alert).data)


routes = [
    ("tasks", TaskViewSet, "task"),
    ("alerts", AlertViewSet, "alert"),
]
