"""The records of people that pages and the API reach by their id: an involvement, an
intervention, a record merged away. Each is reached through the policy, and answers 404 for a
missing record and for one out of scope alike, logged once through `policy.deny` (V5).

A person is `policy.get_person_for_user`; an incident `policy.get_incident_for_user`.
"""

from __future__ import annotations

from access import policy

from .models import Intervention, Involvement, Person


def get_involvement_for_user(
    user,
    pk,
    *,
    urn: str | None = None,
    action: str = policy.Action.VIEW,
    request=None,
    record_view: bool | None = None,
    related: tuple[str, ...] = (),
) -> Involvement:
    """An involvement, reached through its incident (`policy.get_case_record`)."""
    return policy.get_case_record(
        user,
        Involvement.objects.select_related(*related),
        pk,
        kind="involvement",
        action=action,
        urn=urn,
        request=request,
        record_view=record_view,
    )


def get_intervention_for_user(
    user, urn: str, involvement_pk, pk, *, request=None, record_view: bool = True
) -> Intervention:
    """An intervention to change: on that involvement, in that incident, which the user may
    edit. `intervention.involvement.incident` is the incident the policy returned."""
    incident = policy.get_incident_for_user(
        user, urn, policy.Action.EDIT, request=request, record_view=record_view
    )
    intervention = None
    if policy.is_key(pk) and policy.is_key(involvement_pk):
        intervention = (
            Intervention.objects.select_related("involvement__person", "type")
            .filter(pk=pk, involvement_id=involvement_pk, involvement__incident=incident)
            .first()
        )
    if intervention is None:
        policy.deny(
            user,
            request,
            ("intervention", pk),
            policy.Action.EDIT,
            exists=policy.is_key(pk) and Intervention.objects.filter(pk=pk).exists(),
            incident=incident.urn,
        )
    intervention.involvement.incident = incident
    return intervention


def get_merged_person_for_user(user, pk, *, request=None) -> Person:
    """A record merged away, for an administrator who may undo the merge (P2): the record it
    was merged into must be one they can see."""
    duplicates = Person.objects.none()
    if policy.may_merge_people(user):
        duplicates = Person.objects.filter(merged_into__in=policy.visible_people(user))
    duplicate = (
        duplicates.select_related("merged_into").filter(pk=pk).first()
        if policy.is_key(pk)
        else None
    )
    if duplicate is None:
        policy.deny(
            user,
            request,
            ("person", pk),
            "undo merge",
            exists=policy.is_key(pk) and Person.objects.filter(pk=pk).exists(),
        )
    return duplicate
