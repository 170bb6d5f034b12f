"""The repeat-location flag (S4a): has this place had incidents before?

Default rule: 3 or more incidents within 90 days (CaseRules, configurable), counted within
the case's own partnership and including incidents the officer cannot open (the officer is
told how many, never which). The repeat victim and perpetrator flags are about people:
people/repeats.py works out all three when the people involved change.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from access import policy

from ..models import CaseRules, Incident


def window_start(incident: Incident, days: int):
    return (incident.created_at or timezone.now()) - timedelta(days=days)


def same_place(incident: Incident) -> Q:
    """Incidents at the same place: the same UPRN, or the same postcode and address."""
    if incident.uprn:
        return Q(uprn=incident.uprn)
    if incident.postcode and incident.address:
        return Q(postcode__iexact=incident.postcode, address__iexact=incident.address)
    return Q(pk=incident.pk)


def incidents_at_place(incident: Incident, rules: CaseRules) -> int:
    """Incidents at this place in the rule's window, this one included."""
    since = window_start(incident, rules.repeat_window_days)
    # Counted within the case's own partnership: never another partnership's records.
    return Incident.objects.filter(
        same_place(incident), policy.in_partnership_of(incident.area), created_at__gte=since
    ).count()


@transaction.atomic
def refresh_location_flag(incident: Incident) -> bool:
    """Work out the repeat-location flag and store it (when an incident is logged or its
    location changes; the people's flags do not depend on the place). A derived value: it
    does not bump `version`."""
    rules = CaseRules.current()
    flag = incidents_at_place(incident, rules) >= rules.repeat_min_incidents
    Incident.objects.filter(pk=incident.pk).update(repeat_location_flag=flag)
    incident.repeat_location_flag = flag
    return flag
