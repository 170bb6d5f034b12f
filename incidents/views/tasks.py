"""Task and alert pages (SPEC W2, W3): raise a task, a task's page, send an alert, the inbox,
and the tasks section of the incident page."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from access import policy
from access.models import User, UserGroup
from audit.history import history_of
from audit.models import AuditEvent
from audit.services import record_event
from sentinel.forms import add_service_errors

from ..forms_tasks import AlertForm, CancelTaskForm, CompleteTaskForm, ReassignTaskForm, TaskForm
from ..models import Alert, Incident, Task
from ..services import tasks as services

# Read alerts stay in the inbox this long; unread ones until they are read.
RECENT = timedelta(days=30)
INBOX_LIMIT = 100


def _may_raise(user) -> bool:
    return user.group != UserGroup.BASIC


def _incident_for_raising(request, urn: str):
    """The incident, for someone who may raise a task or an alert on it: anyone but a
    basic user who can see it. 404 otherwise (V5)."""
    incident = policy.get_incident_for_user(request.user, urn, request=request)
    if not _may_raise(request.user):  # unreachable today: basic users see no incident
        raise Http404
    return incident


@login_required
@require_http_methods(["GET", "POST"])
def task_add(request, urn: str):
    incident = _incident_for_raising(request, urn)
    form = TaskForm(request.POST or None, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.raise_task(
                incident,
                by=request.user,
                assigned_to=form.chosen_user("assigned_to"),
                title=form.cleaned_data["title"],
                details=form.cleaned_data["details"],
                due_on=form.cleaned_data["due_on"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, f"Task raised for {task.assigned_to}.")
            return redirect(reverse("incident-detail", args=[incident.urn]) + "#tasks")
    return render(
        request,
        "incidents/tasks/add.html",
        {"incident": incident, "form": form, "protective_marking": incident.marking},
    )


@login_required
@require_http_methods(["GET", "POST"])
def alert_send(request, urn: str):
    incident = _incident_for_raising(request, urn)
    form = AlertForm(request.POST or None, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            alert = services.send_alert(
                incident,
                by=request.user,
                recipient=form.chosen_user("recipient"),
                kind=form.cleaned_data["kind"],
                message=form.cleaned_data["message"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, f"Alert sent to {alert.recipient}.")
            return redirect(reverse("incident-detail", args=[incident.urn]) + "#tasks")
    return render(
        request,
        "incidents/tasks/alert.html",
        {"incident": incident, "form": form, "protective_marking": incident.marking},
    )


def _task_for(request, pk: int) -> tuple[Task, Incident]:
    """A task, for someone who can see its incident (which includes its assignee while it is
    open); 404 otherwise, logged as the incident getter logs (V5)."""
    task = (
        Task.objects.select_related(
            "incident", "assigned_to__organisation", "assigned_by__organisation"
        )
        .filter(pk=pk)
        .first()
    )
    if task is None:
        record_event(
            AuditEvent.Type.ACCESS_DENIED,
            actor=request.user,
            request=request,
            target=("task", pk),
            outcome=AuditEvent.Outcome.DENIED,
            details={"action": "view", "exists": False, "path": request.path},
        )
        raise Http404("No task matches the given query.")
    incident = policy.get_incident_for_user(request.user, task.incident.urn, request=request)
    task.incident = incident
    return task, incident


def _task_history(task: Task) -> list:
    """The task's history, with assignees named rather than numbered (one more query)."""
    entries = history_of(task)
    assigned = str(Task._meta.get_field("assigned_to").verbose_name)
    ids = {
        value
        for entry in entries
        for name, old, new in entry.changes
        if name == assigned
        for value in (old, new)
    }
    names = {
        str(u.pk): str(u) for u in User.objects.filter(pk__in=[i for i in ids if i.isdigit()])
    }
    for entry in entries:
        entry.changes = [
            (name, names.get(old, old), names.get(new, new)) if name == assigned else change
            for change in entry.changes
            for name, old, new in [change]
        ]
    return entries


_ACTIONS = {
    "complete": (CompleteTaskForm, "complete"),
    "cancel": (CancelTaskForm, "cancel"),
    "reassign": (ReassignTaskForm, "reassign"),
}


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request, pk: int):
    task, incident = _task_for(request, pk)
    user = request.user
    is_open = task.status == Task.Status.OPEN
    task.is_overdue = is_open and task.due_on < timezone.localdate()
    allowed = {
        "complete": is_open and (task.assigned_to_id == user.pk or incident.allowed_edit),
        "cancel": is_open and (task.assigned_by_id == user.pk or incident.allowed_edit),
        "reassign": is_open
        and _may_raise(user)
        and (user.pk in (task.assigned_to_id, task.assigned_by_id) or incident.allowed_edit),
    }
    action = request.POST.get("action") if request.method == "POST" else None
    if action is not None and not allowed.get(action):
        raise Http404
    forms = {}
    for name, (form_class, prefix) in _ACTIONS.items():
        if allowed[name]:
            data = request.POST if name == action else None
            chooses_user = name == "reassign"
            forms[name] = form_class(
                data, prefix=prefix, **({"viewer": user} if chooses_user else {})
            )
    if action is not None and forms[action].is_valid():
        form = forms[action]
        try:
            if action == "complete":
                services.complete_task(
                    task, by=user, note=form.cleaned_data["note"], request=request
                )
                done = "Task marked as done."
            elif action == "cancel":
                services.cancel_task(
                    task, by=user, reason=form.cleaned_data["reason"], request=request
                )
                done = "Task cancelled."
            else:
                to = form.chosen_user("to")
                services.reassign_task(task, by=user, to=to, request=request)
                done = f"Task given to {to}."
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, done)
            # Finishing or handing on a task can end the user's own access to the incident.
            if policy.can(user, policy.Action.VIEW, incident):
                return redirect("task-detail", pk=task.pk)
            return redirect("inbox")
    return render(
        request,
        "incidents/tasks/detail.html",
        {
            "task": task,
            "incident": incident,
            "forms": forms,
            "form": forms.get(action) if action else None,
            "history": _task_history(task),
            "protective_marking": incident.marking,
        },
    )


@login_required
def inbox(request):
    """The signed-in user's unread and recent alerts and the open tasks assigned to them.
    A fixed number of queries: whether the user can still see each alert's incident is a
    subquery of the one alert query."""
    user = request.user
    visible = Incident.objects.for_user(user, policy.Action.VIEW).filter(
        pk=OuterRef("incident_id")
    )
    alerts = list(
        Alert.objects.filter(recipient=user)
        .filter(Q(read_at__isnull=True) | Q(created_at__gte=timezone.now() - RECENT))
        .select_related("incident", "sender__organisation")
        .annotate(can_view=Exists(visible))
        .order_by("-created_at", "-id")[:INBOX_LIMIT]
    )
    tasks = list(
        Task.objects.filter(assigned_to=user, status=Task.Status.OPEN)
        .select_related("incident", "assigned_by__organisation")
        .order_by("due_on", "id")
    )
    today = timezone.localdate()
    for task in tasks:
        task.is_overdue = task.due_on < today
    shown = [alert.incident for alert in alerts if alert.can_view] + [t.incident for t in tasks]
    return render(
        request,
        "incidents/tasks/inbox.html",
        {
            "alerts": alerts,
            "unread": sum(1 for alert in alerts if alert.read_at is None),
            "tasks": tasks,
            "protective_marking": Incident.Marking.highest(i.marking for i in shown),
        },
    )


@login_required
@require_POST
def alert_read(request, pk: int):
    alert = Alert.objects.filter(pk=pk, recipient=request.user).first()
    if alert is None:
        raise Http404("No alert matches the given query.")
    services.mark_alert_read(alert, by=request.user)
    return redirect("inbox")


def detail_context(incident, user) -> dict:
    """The tasks section of the incident page: every task, oldest due first, with status
    and overdue marks. One query, whatever the number of tasks."""
    tasks = list(
        incident.tasks.select_related("assigned_to__organisation", "assigned_by").order_by(
            "due_on", "id"
        )
    )
    today = timezone.localdate()
    for task in tasks:
        task.is_overdue = task.status == Task.Status.OPEN and task.due_on < today
    may_raise = _may_raise(user)
    return {
        "incident_tasks": tasks,
        "tasks_can_raise": may_raise and incident.status != Incident.Status.CLOSED,
        "tasks_can_alert": may_raise,
    }


urlpatterns = [
    path("incidents/<str:urn>/tasks/new/", task_add, name="task-add"),
    path("incidents/<str:urn>/alert/", alert_send, name="alert-send"),
    path("tasks/<int:pk>/", task_detail, name="task-detail"),
    path("inbox/", inbox, name="inbox"),
    path("alerts/<int:pk>/read/", alert_read, name="alert-read"),
]
