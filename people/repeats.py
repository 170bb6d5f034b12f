"""Repeat flags (SPEC S4a): has this victim, perpetrator or place been involved before?
The place's count is the incident's own (incidents/services/repeats.py); this module adds
the people and stores all three flags whenever the people involved change.

Default rule: 3 or more incidents within 90 days (CaseRules, configurable). Counts include
incidents the officer cannot open: the officer is told how many, never which, so the flag
works across partners (the point of S4a) without disclosing another partner's records.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q

from incidents.models import CaseRules, Incident
from incidents.services.repeats import incidents_at_place, window_start

from .models import Involvement, Person

VICTIM_ROLES = ("victim", "complainant")
PERPETRATOR_ROLES = ("perpetrator",)


@dataclass
class RepeatFindings:
    # (person, number of incidents in the window, this one included)
    victims: list = field(default_factory=list)
    perpetrators: list = field(default_factory=list)
    location_incidents: int = 0
    rule: tuple[int, int] = (3, 90)

    @property
    def location(self) -> bool:
        return self.location_incidents >= self.rule[0]

    @property
    def any(self) -> bool:
        return bool(self.victims or self.perpetrators or self.location)


def _people_over_threshold(incident, roles, since, minimum) -> list:
    # Chosen by subquery, so that the count below joins involvements afresh (filtering and
    # counting through one join would count only this incident's row).
    here = Involvement.objects.filter(incident=incident, role__in=roles).values("person_id")
    counted = Person.objects.filter(pk__in=here).annotate(
        incidents=Count(
            "involvements__incident",
            filter=Q(
                involvements__role__in=roles,
                involvements__incident__created_at__gte=since,
            ),
            distinct=True,
        )
    )
    return [(person, person.incidents) for person in counted if person.incidents >= minimum]


def find_repeats(incident: Incident) -> RepeatFindings:
    rules = CaseRules.current()
    minimum, days = rules.repeat_min_incidents, rules.repeat_window_days
    since = window_start(incident, days)
    location_count = incidents_at_place(incident, rules)
    return RepeatFindings(
        victims=_people_over_threshold(incident, VICTIM_ROLES, since, minimum),
        perpetrators=_people_over_threshold(incident, PERPETRATOR_ROLES, since, minimum),
        location_incidents=location_count,
        rule=(minimum, days),
    )


@transaction.atomic
def refresh_repeat_flags(incident: Incident) -> RepeatFindings:
    """Work out the flags and store them on the incident (called whenever people or the
    location of an incident change). A derived value: it does not bump `version`."""
    findings = find_repeats(incident)
    Incident.objects.filter(pk=incident.pk).update(
        repeat_victim_flag=bool(findings.victims),
        repeat_perpetrator_flag=bool(findings.perpetrators),
        repeat_location_flag=findings.location,
    )
    incident.repeat_victim_flag = bool(findings.victims)
    incident.repeat_perpetrator_flag = bool(findings.perpetrators)
    incident.repeat_location_flag = findings.location
    return findings
