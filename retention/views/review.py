"""The retention review queue (SPEC D2): closed cases that fell due and are flagged "review
before deletion" wait here for an administrator of the lead organisation (a deployment-wide
administrator: of any) to keep them, with a reason and a new review date, or to erase them.

Both decisions carry the moment the page was opened (`opened_at`): the services refuse to act
on a case that changed after it, and the page then shows the case as it is now. The decision
forms are never autosaved as drafts: a draft is kept by page address, and this page's address
is not the case's, so a reason typed here would outlive an erased case.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import dateformat, timezone
from django.views.decorators.http import require_GET, require_http_methods

from access import policy
from common.forms import add_service_errors
from incidents.models import Incident

from .. import queries, services
from ..forms import DeleteForm, KeepForm
from ..rules import active_rules

PAGE_SIZE = 25
CHANGED = "This case changed after you opened it: check it again"
NOT_QUEUED = "{urn} is not in your review queue: a decision on it may already have been made."


@login_required
@require_GET
def queue(request):
    if not policy.may_review_retention(request.user):
        raise Http404
    rules = active_rules()
    page = Paginator(queries.review_queue(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = queries.queue_rows(page.object_list, rules)
    return render(
        request,
        "retention/review/queue.html",
        {
            "page": page,
            "rows": rows,
            "protective_marking": Incident.Marking.highest(r.incident.marking for r in rows),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def decide(request, urn: str):
    try:
        incident = policy.get_incident_for_retention_review(
            request.user, urn, request=request, record_view=request.method == "GET"
        )
    except Http404:
        if request.method == "POST" and policy.may_review_retention(request.user):
            # A second click, or another administrator was quicker. The same answer whether
            # the case was erased, kept, or never theirs to see (V5); the getter logged it.
            messages.info(request, NOT_QUEUED.format(urn=urn[:20]))
            return redirect("retention-queue")
        raise
    now = timezone.now()
    action = request.POST.get("action") if request.method == "POST" else None
    keep = KeepForm(request.POST if action == "keep" else None, prefix="keep", opened_at=now)
    delete = DeleteForm(
        request.POST if action == "delete" else None, prefix="delete", opened_at=now
    )
    form = {"keep": keep, "delete": delete}.get(action)
    changed = False
    if form is not None and "opened_at" in form.errors:
        # Missing or forged: the page now shown is the one the next decision is based on.
        form.data = form.data.copy()
        form.data[form.add_prefix("opened_at")] = now.isoformat()
    elif form is not None and form.is_valid():
        try:
            done = _decide(request, incident, form)
        except services.ChangedSinceOpened:
            # The page shows the case as it is now, as if just opened; what was typed stays,
            # but a deletion must be confirmed again.
            changed = True
            if form is keep:
                keep = keep.reopened(now)
            else:
                delete = delete.reopened(now)
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, done)
            return redirect("retention-queue")
    return render(
        request,
        "retention/review/decide.html",
        {
            "incident": incident,
            "state": queries.state_of(incident, incident.retention, active_rules()),
            "decisions": queries.decisions_for(incident),
            "counts": queries.case_counts(incident),
            "may_view": policy.can(request.user, policy.Action.VIEW, incident),
            "keep": keep,
            "delete": delete,
            "form": form,
            "changed": CHANGED if changed else "",
            "protective_marking": incident.marking,
        },
    )


def _decide(request, incident, form) -> str:
    """Carry out the decision; the success message."""
    data = form.cleaned_data
    if isinstance(form, KeepForm):
        services.keep_after_review(
            incident,
            by=request.user,
            reason=data["reason"],
            review_on=data["review_on"],
            opened_at=data["opened_at"],
        )
        return (
            f"{incident.urn} will be kept. It comes back for review on "
            f"{dateformat.format(data['review_on'], 'j F Y')}."
        )
    services.delete_after_review(incident, by=request.user, opened_at=data["opened_at"])
    return f"{incident.urn} has been erased."


urlpatterns = [
    path("retention/review/", queue, name="retention-queue"),
    path("retention/review/<str:urn>/", decide, name="retention-decide"),
]
