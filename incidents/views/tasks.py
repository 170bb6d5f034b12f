"""Task and alert pages (SPEC W2, W3): raise a task, a task's page, send an alert, the inbox,
and the tasks section of the incident page."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from access import policy
from access.models import User
from audit.history import history_of
from common.forms import handle_post

from .. import queries
from ..forms_tasks import AlertForm, CancelTaskForm, CompleteTaskForm, ReassignTaskForm, TaskForm
from ..models import Alert, Incident, Task
from ..services import tasks as services

# Read alerts stay in the inbox this long; unread ones until they are read.
RECENT = timedelta(days=30)
INBOX_LIMIT = 100


def _incident_for_raising(request, urn: str):
    """The incident, for someone who may raise a task or an alert on it: anyone but a
    basic user who can see it. 404 otherwise (V5)."""
    incident = policy.get_incident_for_user(request.user, urn, request=request)
    if not policy.works_cases(request.user):  # unreachable today: basic users see no incident
        raise Http404
    return incident


def _back_to_tasks(incident) -> str:
    return reverse("incident-detail", args=[incident.urn]) + "#tasks"


@login_required
@require_http_methods(["GET", "POST"])
def task_add(request, urn: str):
    incident = _incident_for_raising(request, urn)
    form = TaskForm(request.POST or None, viewer=request.user)
    return handle_post(
        request,
        form,
        lambda data: services.raise_task(
            incident,
            by=request.user,
            assigned_to=form.chosen_user("assigned_to"),
            title=data["title"],
            details=data["details"],
            due_on=data["due_on"],
        ),
        success=lambda task: f"Task raised for {task.assigned_to}.",
        redirect_to=_back_to_tasks(incident),
    ) or render(
        request,
        "incidents/tasks/add.html",
        {"incident": incident, "form": form, "protective_marking": incident.marking},
    )


@login_required
@require_http_methods(["GET", "POST"])
def alert_send(request, urn: str):
    incident = _incident_for_raising(request, urn)
    form = AlertForm(request.POST or None, viewer=request.user)
    return handle_post(
        request,
        form,
        lambda data: services.send_alert(
            incident,
            by=request.user,
            recipient=form.chosen_user("recipient"),
            kind=data["kind"],
            message=data["message"],
        ),
        success=lambda alert: f"Alert sent to {alert.recipient}.",
        redirect_to=_back_to_tasks(incident),
    ) or render(
        request,
        "incidents/tasks/alert.html",
        {"incident": incident, "form": form, "protective_marking": incident.marking},
    )


def _task_for(request, pk: int) -> tuple[Task, Incident]:
    """A task, for someone who can see its incident (which includes its assignee while it is
    open); 404 otherwise, logged once (V5)."""
    task = queries.get_task_for_user(request.user, pk, request=request)
    return task, task.incident


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
    # The incident came through the view rule, so the user may view it; edit was annotated.
    rules = policy.task_permissions(
        user, task, can_view=lambda: True, can_edit=lambda: incident.allowed_edit
    )
    allowed = {name: is_open and may for name, may in rules.items()}
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

    def carry_out(data) -> str:
        """Complete, cancel or reassign the task; the success message."""
        if action == "complete":
            services.complete_task(task, by=user, note=data["note"])
            return "Task marked as done."
        if action == "cancel":
            services.cancel_task(task, by=user, reason=data["reason"])
            return "Task cancelled."
        to = forms[action].chosen_user("to")
        services.reassign_task(task, by=user, to=to)
        return f"Task given to {to}."

    def onward(_done) -> str:
        # Finishing or handing on a task can end the user's own access to the incident.
        if policy.can(user, policy.Action.VIEW, incident):
            return reverse("task-detail", args=[task.pk])
        return reverse("inbox")

    return handle_post(
        request, forms.get(action), carry_out, success=lambda done: done, redirect_to=onward
    ) or render(
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
    alert = queries.get_alert_for_user(request.user, pk, request=request, action="read")
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
    may_raise = policy.works_cases(user)
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
