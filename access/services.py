"""Writes in the access app: explicit shares of an incident (V1).

Shares made for a task are not stored here: the task issue computes them from the task
itself, so they end when the task does (a stored grant goes stale when its reason ends).
"""

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from audit.models import AuditEvent
from audit.services import record_event

from . import policy
from .models import Organisation, User

SHARE_LEVELS = {"view": "incidents.view_incident", "edit": "incidents.change_incident"}


def share_group_for(organisation: Organisation) -> Group:
    """The guardian group that stands for the whole organisation in shares."""
    if organisation.share_group_id is None:
        group, _ = Group.objects.get_or_create(name=f"organisation-share:{organisation.pk}")
        organisation.share_group = group
        organisation.save(update_fields=["share_group"])
    return organisation.share_group


def _grantee(with_user: User | None, with_organisation: Organisation | None):
    if (with_user is None) == (with_organisation is None):
        raise ValidationError("Share with one user or one organisation.")
    return with_user if with_user is not None else share_group_for(with_organisation)


@transaction.atomic
def share_incident(
    incident,
    *,
    by: User,
    reason: str,
    with_user: User | None = None,
    with_organisation: Organisation | None = None,
    level: str = "view",
) -> None:
    """Share an incident with a user or organisation outside its ordinary scope.

    Only someone who may edit the incident may share it, and a reason is required.
    """
    if level not in SHARE_LEVELS:
        raise ValidationError({"level": "Choose view or edit."})
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the incident is being shared."})
    if not policy.can(by, policy.Action.EDIT, incident):
        raise PermissionDenied
    assign_perm(SHARE_LEVELS[level], _grantee(with_user, with_organisation), incident)
    record_event(
        AuditEvent.Type.SHARE_GRANTED,
        actor=by,
        target=("incident", incident.urn),
        justification=reason,
        details={
            "level": level,
            "user": with_user.pk if with_user else None,
            "organisation": with_organisation.pk if with_organisation else None,
        },
    )


@transaction.atomic
def revoke_share(
    incident,
    *,
    by: User,
    reason: str,
    with_user: User | None = None,
    with_organisation: Organisation | None = None,
) -> None:
    if not policy.can(by, policy.Action.EDIT, incident):
        raise PermissionDenied
    grantee = _grantee(with_user, with_organisation)
    for permission in SHARE_LEVELS.values():
        remove_perm(permission, grantee, incident)
    record_event(
        AuditEvent.Type.SHARE_REVOKED,
        actor=by,
        target=("incident", incident.urn),
        justification=reason,
        details={
            "user": with_user.pk if with_user else None,
            "organisation": with_organisation.pk if with_organisation else None,
        },
    )
