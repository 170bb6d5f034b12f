"""Reviewing the audit trail (SPEC A4): by user, by record, by period and by event type.

For administrators and analysts (`policy.may_review_audit`), over the events the policy
gives them (`policy.audit_events_for`: their organisation's, or every organisation's for a
deployment-wide administrator). The filters and the page number are POSTed - a person's
number or an incident's reference never travels in a URL (§17). Every page of results and
every export is itself audited, with its filters.

Every event's time, actor, type and outcome are shown; the record it is about, its
justification and its details only when the reviewer may see that record
(`access.policy.audit_visibility`): otherwise they read "Withheld". The page decides in one query
(two when it holds subject-access exports), the export likewise per batch of events.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access import policy
from access.policy import audit_visibility
from common.exports import csv_response, dated_filename

from .. import queries, registers
from ..forms import AuditFilterForm
from ..models import AuditEvent

PAGE_SIZE = 50
OWN_USE_EVENTS = 50
# The audit trail names users, addresses and what they looked at: the deployment's default
# marking for pages without case records.
AUDIT_MARKING = "restricted"


@login_required
@require_http_methods(["GET", "POST"])
def events(request):
    if not policy.may_review_audit(request.user):
        raise Http404
    return _review(request, subject=None)


@login_required
@require_http_methods(["GET", "POST"])
def user_trail(request, pk: int):
    """One user's trail: what they did and what was done to their account. Administrators
    reach the users they manage, analysts the users of their own organisation (404, logged,
    for anyone else)."""
    subject = policy.get_audit_subject_for_user(request.user, pk, request=request)
    return _review(request, subject=subject)


def _review(request, *, subject):
    data = request.POST if request.method == "POST" else AuditFilterForm.defaults()
    form = AuditFilterForm(data, reviewer=request.user, subject=subject)
    context = {"form": form, "subject": subject}
    if form.is_valid():
        filters = form.filters()
        context.update(_results(request, filters))
        registers.record_audit_review(
            request.user,
            target=("user", subject.pk) if subject is not None else ("audit", ""),
            filters=filters.described(),
            page=context["page"].number,
            row_count=context["page"].paginator.count,
        )
    return render(request, "audit/review.html", context)


def _matching(reviewer, filters: queries.AuditFilters):
    """The events the reviewer asked for, within those the policy gives them."""
    events = queries.filter_events(policy.audit_events_for(reviewer), filters)
    if filters.target_id:
        # Narrowed to one record: only the events the reviewer may see in full, so that the
        # count, the summary and the list answer alike for a record they may not see and one
        # that does not exist (V5) - the filter cannot confirm that a record exists.
        events = events.filter(audit_visibility.record_visible(reviewer))
    return events


def _results(request, filters: queries.AuditFilters) -> dict:
    """A page of events, newest first, and the counts by type (five or six queries, however
    many events)."""
    matching = _matching(request.user, filters)
    page = Paginator(queries.newest_first(matching), PAGE_SIZE).get_page(
        request.POST.get("page") or 1
    )
    events = list(page.object_list)
    # Which events' records the reviewer may see (one query for the page, see above).
    visible = audit_visibility.visible_event_targets(request.user, events)
    # A link to an actor's own trail where the reviewer may open it (one query for the page).
    actors = {event.actor_id for event in events if event.actor_id is not None}
    reviewable = set(
        policy.audit_subjects_for(request.user).filter(pk__in=actors).values_list("pk", flat=True)
        if actors
        else []
    )
    rows = [
        _row(event, visible=event.pk in visible, trail=event.actor_id in reviewable)
        for event in events
    ]
    return {"page": page, "rows": rows, "summary": queries.counts_by_type(matching)}


def _row(event, *, visible: bool, trail: bool) -> dict:
    return {
        "event": event,
        "utc": _utc(event.occurred_at),
        "trail": trail,
        "record": queries.record_label(event, visible),
        "withheld": "" if visible else queries.WITHHELD,
        "justification": event.justification if visible else "",
        "details": queries.details_summary(event.details) if visible else "",
    }


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class ExportRow:
    event: AuditEvent
    visible: bool  # whether the reviewer may see the record the event is about

    def shown(self, value):
        return value if self.visible else queries.WITHHELD


EXPORT_COLUMNS = [
    ("time_utc", "Time (UTC)", lambda r: _utc(r.event.occurred_at)),
    ("time_uk", "Time (UK)", lambda r: _local(r.event.occurred_at)),
    ("username", "Username", lambda r: r.event.actor_label),
    ("name", "Name", lambda r: str(r.event.actor) if r.event.actor_id else ""),
    (
        "organisation",
        "Organisation",
        lambda r: str(r.event.organisation) if r.event.organisation_id else "",
    ),
    ("event", "Event", lambda r: r.event.get_event_type_display()),
    ("event_type", "Event code", lambda r: r.event.event_type),
    ("target_type", "Record kind", lambda r: r.event.target_type),
    ("target_id", "Record", lambda r: r.shown(r.event.target_id)),
    ("outcome", "Outcome", lambda r: r.event.get_outcome_display()),
    ("justification", "Justification", lambda r: r.shown(r.event.justification)),
    ("address", "Address", lambda r: r.event.ip_address or ""),
    ("details", "Details", lambda r: r.shown(queries.details_json(r.event.details))),
    ("sequence", "Sequence", lambda r: r.event.sequence),
]
# The export decides which records may be shown a batch of events at a time (one query each).
EXPORT_BATCH = 1000


def _export_rows(reviewer, events) -> Iterator[ExportRow]:
    batch: list[AuditEvent] = []
    for event in events.iterator(chunk_size=EXPORT_BATCH):
        batch.append(event)
        if len(batch) == EXPORT_BATCH:
            yield from _decided(reviewer, batch)
            batch = []
    yield from _decided(reviewer, batch)


def _decided(reviewer, batch: list[AuditEvent]) -> Iterator[ExportRow]:
    visible = audit_visibility.visible_event_targets(reviewer, batch)
    for event in batch:
        yield ExportRow(event, event.pk in visible)


@login_required
@require_POST
def export(request):
    """The filtered events as CSV (every matching event, not only one page)."""
    if not policy.may_review_audit(request.user):
        raise Http404
    form = AuditFilterForm(request.POST, reviewer=request.user)
    if not form.is_valid():
        return render(request, "audit/review.html", {"form": form, "subject": None})
    filters = form.filters()
    matching = _matching(request.user, filters)
    response = csv_response(
        dated_filename("audit", "csv"),
        EXPORT_COLUMNS,
        _export_rows(request.user, queries.newest_first(matching)),
        AUDIT_MARKING,
    )
    registers.record_audit_export(
        request.user,
        filters=filters.described(),
        row_count=response.row_count,
    )
    return response


@login_required
@require_GET
def my_use(request):
    """A user of the ad-hoc reporting module sees their own logged use (A4, S2):
    counts by event for the last 30 and 90 days, and their last searches, reports, exports
    and prints with the purpose they gave."""
    if not policy.may_use_reporting(request.user):
        raise Http404
    own = policy.own_audit_events(request.user)
    summary = queries.own_use_summary(own)
    recent = list(
        own.filter(event_type__in=queries.types_in_group("reporting")).order_by(
            "-occurred_at", "-id"
        )[:OWN_USE_EVENTS]
    )
    rows = [
        {"event": event, "details": queries.details_summary(event.details)} for event in recent
    ]
    registers.record_audit_review(
        request.user,
        target=("user", request.user.pk),
        filters={"own_use": True},
        page=1,
        row_count=len(rows),
    )
    return render(
        request,
        "audit/my_use.html",
        {
            "summary": summary,
            "rows": rows,
            "limit": OWN_USE_EVENTS,
            "totals": {
                "last_30": sum(row["last_30"] for row in summary),
                "last_90": sum(row["last_90"] for row in summary),
            },
        },
    )
