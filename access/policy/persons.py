"""People: a person is seen by whoever can see at least one incident they are involved
in, and changed by whoever can edit one (P1, S1). There is no other way to reach a person.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from audit.models import AuditEvent
from incidents.models import Incident
from people.models import Involvement, Person

from .cases import Action
from .getters import deny, is_key, record_read


def people_for(user, action: str = Action.VIEW):

    incidents = _incident_ids(user, action)
    return Person.objects.filter(
        Exists(Involvement.objects.filter(person=OuterRef("pk"), incident__in=incidents))
    )


def visible_people(user):
    return people_for(user, Action.VIEW)


def _incident_ids(user, action):

    return Incident.objects.for_user(user, action).values("pk")


def get_person_for_user(
    user, pk, action: str = Action.VIEW, *, request=None, lock=False, record_view=None
):
    """One person for `action`, or 404 for missing and out of scope alike, logged as for
    incidents (including `record_view`: by default a read is logged for "view" only)."""
    if record_view is None:
        record_view = action == Action.VIEW

    queryset = people_for(user, action)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    numeric = is_key(pk)
    person = queryset.filter(pk=pk).first() if numeric else None
    if person is None:
        deny(
            user,
            request,
            ("person", pk),
            action,
            exists=numeric and Person.objects.filter(pk=pk).exists(),
        )
    if record_view:
        record_read(user, request, ("person", person.pk), AuditEvent.Type.PERSON_VIEWED)
    return person
