"""Audit review and the registers (A4-A6): administrators and analysts review the use of the
system by their own organisation's users; deployment-wide administrators review everyone's
(what they may not see withheld: `audit_visibility`). Every user of the ad-hoc module sees
the trail of their own use. Register entries stay inside the partnership.
"""

from __future__ import annotations

from django.db.models import Q

from access.models import Organisation, User
from audit.models import AuditEvent, Breach, Disclosure
from incidents.models import Incident

from .administration import manageable_users
from .capabilities import (
    _is_administrator,
    may_keep_registers,
    may_review_audit,
    may_use_reporting,
)
from .cases import Action, incident_scope, partnership_organisations
from .getters import deny, is_key


def audit_events_for(user):

    if not may_review_audit(user):
        return AuditEvent.objects.none()
    if _is_administrator(user) and user.manages_all_organisations:
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(organisation_id=user.organisation_id)


def own_audit_events(user):
    """A user's own logged use, for the summary shown to users of the ad-hoc module."""

    if not may_use_reporting(user):
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(actor_id=user.pk)


def _register_organisations(user):
    """Whose register entries an administrator keeps: their own organisation's, and for a
    deployment-wide administrator every organisation of their partnership (a register entry
    never crosses a partnership, T6)."""
    if user.manages_all_organisations:
        return partnership_organisations(user.organisation)

    return Organisation.objects.filter(pk=user.organisation_id)


def disclosures_for(user):

    if not may_keep_registers(user):
        return Disclosure.objects.none()
    entries = Disclosure.objects.filter(organisation__in=_register_organisations(user))
    if user.manages_all_organisations:
        # Another organisation's entry about a case the administrator may not view (its
        # Confidential case) stays with that organisation: it names and describes the case.

        hidden = Incident.objects.exclude(incident_scope(user, Action.VIEW)).values("pk")
        entries = entries.exclude(
            ~Q(organisation_id=user.organisation_id) & Q(incident__in=hidden)
        )
    return entries


def breaches_for(user):

    if not may_keep_registers(user):
        return Breach.objects.none()
    return Breach.objects.filter(organisation__in=_register_organisations(user))


def get_register_entry_for_user(user, kind: str, pk, *, request=None, lock: bool = False):
    """One disclosure or breach the user may see, or 404 (logged) - kind: "disclosure" or
    "breach"."""
    queryset = {"disclosure": disclosures_for, "breach": breaches_for}[kind](user)
    if lock:
        queryset = queryset.select_for_update()
    found = queryset.filter(pk=pk).first() if is_key(pk) else None
    if found is None:
        deny(user, request, (kind, pk), "view")
    return found


def audit_subjects_for(user):

    if not may_review_audit(user):
        return User.objects.none()
    if _is_administrator(user):
        return manageable_users(user)
    return User.objects.filter(organisation_id=user.organisation_id)


def get_audit_subject_for_user(user, pk, *, request=None):
    """One user whose audit trail `user` may review, or 404 (missing and out of scope alike,
    logged, V5)."""
    queryset = audit_subjects_for(user).select_related("organisation")
    found = queryset.filter(pk=pk).first() if is_key(pk) else None
    if found is None:
        deny(user, request, ("user", pk), "review_audit")
    return found
