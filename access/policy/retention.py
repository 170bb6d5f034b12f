"""Retention and subject access: the review queue holds the queued cases an administrator
may `retain` (never a case they cannot view); the inactive-records report covers open cases
the user may view. A subject access request is answered by the organisation that received it,
for its partnership: every record of the partnership except other partners' Confidential
ones, which are named by their holder only; that includes the partnership's disclosure-register
entries about those records (who received the person's data).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from audit.models import AuditEvent, Disclosure
from incidents.models import Incident
from people.models import Involvement, Person

from .capabilities import may_answer_subject_access, may_review_retention, may_see_inactive_records
from .cases import Action, _in_partnership, _view, partnership_organisations, visible_incidents
from .getters import deny, is_key, record_read, well_formed_urn


def retention_review_queue(user):
    """Incidents awaiting a retention decision that `user` may decide: the `retain` rule,
    so never a case the administrator cannot view (a Confidential case of another
    organisation) nor one of another partnership."""

    if not may_review_retention(user):
        return Incident.objects.none()
    return Incident.objects.for_user(user, Action.RETAIN).filter(retention__review="queued")


def get_incident_for_retention_review(
    user, urn, *, request=None, lock: bool = False, record_view: bool = False
):
    """One queued incident the administrator may decide on, or 404 (logged, V5). With
    `record_view` the read is logged too (the decision page shows the case's retention
    reasons, which may name people)."""
    queryset = retention_review_queue(user).select_related("lead_organisation", "retention")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    found = queryset.filter(urn=urn).first() if well_formed_urn(urn) else None
    if found is None:
        deny(user, request, ("incident", urn), "retention review")
    if record_view:
        record_read(user, request, ("incident", found.urn), AuditEvent.Type.INCIDENT_VIEWED)
    return found


def inactive_records_for(user):
    """Open incidents the user may view (the report adds the "no activity since" filter)."""

    if not may_see_inactive_records(user):
        return Incident.objects.none()
    return visible_incidents(user).exclude(status=Incident.Status.CLOSED)


def subject_access_incidents(user):
    """The incidents a subject-access export gathered by `user` may draw on: every incident
    of their own partnership (the receiving organisation co-ordinates the answer for the
    partnership) except other partners' Confidential ones, and anything else they may
    view. Confidential incidents they cannot view are listed for their originating
    partner's decision instead (`withheld_subject_access_incidents`), never shown."""

    if not may_answer_subject_access(user):
        return Incident.objects.none()
    partnership = _in_partnership(user.organisation) & ~Q(marking=Incident.Marking.CONFIDENTIAL)
    return Incident.objects.filter(partnership | _view(user))


def withheld_subject_access_incidents(user):
    """Confidential incidents of the user's partnership that they may not view: a subject-
    access export names only the partner that holds them, for that partner to decide."""

    if not may_answer_subject_access(user):
        return Incident.objects.none()
    return Incident.objects.filter(
        _in_partnership(user.organisation),
        Q(marking=Incident.Marking.CONFIDENTIAL),
        ~_view(user),
    )


def subject_access_disclosures(user):
    """The disclosure-register entries a subject-access export gathered by `user` may draw on:
    those recorded by an organisation of their partnership (a register never crosses a
    partnership, T6) about an incident the export may draw on. An entry about another
    partner's Confidential incident names and describes it: it is withheld with the incident,
    for that partner to decide."""

    if not may_answer_subject_access(user):
        return Disclosure.objects.none()
    return Disclosure.objects.filter(
        organisation__in=partnership_organisations(user.organisation),
        incident__in=subject_access_incidents(user).values("pk"),
    )


def subject_access_people(user):
    """The people an administrator may gather a subject-access export for: anyone involved
    in an incident the export may draw on (merged records are reached through the record
    they became)."""

    if not may_answer_subject_access(user):
        return Person.objects.none()
    incidents = subject_access_incidents(user).values("pk")
    return Person.objects.filter(merged_into__isnull=True).filter(
        Exists(
            Involvement.objects.filter(
                Q(person_id=OuterRef("pk")) | Q(person__merged_into_id=OuterRef("pk")),
                incident__in=incidents,
            )
        )
    )


def get_person_for_subject_access(user, pk, *, request=None, record_view: bool = False):
    """One person for a subject-access export, or 404 (logged, V5). With `record_view` the
    read is logged too (the page that summarises the export); a download is logged by its
    own SUBJECT_ACCESS event instead."""
    found = subject_access_people(user).filter(pk=pk).first() if is_key(pk) else None
    if found is None:
        deny(user, request, ("person", pk), "subject access")
    if record_view:
        record_read(
            user,
            request,
            ("person", found.pk),
            AuditEvent.Type.PERSON_VIEWED,
            purpose="subject access",
        )
    return found
