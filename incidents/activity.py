"""When a case last saw activity (`Incident.last_activity_at`).

Activity is any change to the case or a part of it: the incident itself, the people linked to
it and their statements, interventions and consent, the working sheet, tasks, documents, risk
assessments and closure requests. Notifications (alerts) are not activity: a reminder about a
neglected case must not make it look worked on.

One receiver per part, rather than a call in each service, so that a part added later cannot
forget it: `tests/incidents/test_activity.py` fails when a model that points at an incident
is neither listed here nor in `NOT_ACTIVITY`. Readers: the inactive-records report (SPEC D3)
and the retention sweep, which never erases a case changed after it was selected (D5).
"""

from django.apps import apps
from django.db.models.signals import post_save
from django.utils import timezone

from .models import Incident

# (app label, model name) -> how to reach the incident's id from an instance.
ACTIVITY = {
    ("incidents", "WorkingSheetEntry"): lambda part: part.incident_id,
    ("incidents", "Task"): lambda part: part.incident_id,
    ("incidents", "Document"): lambda part: part.incident_id,
    ("incidents", "RiskAssessment"): lambda part: part.incident_id,
    ("incidents", "ClosureRequest"): lambda part: part.incident_id,
    ("people", "Involvement"): lambda part: part.incident_id,
    ("people", "Consent"): lambda part: part.incident_id,
    ("people", "Statement"): lambda part: part.involvement.incident_id,
    ("people", "Intervention"): lambda part: part.involvement.incident_id,
}

# Models that point at an incident but whose writes are not casework.
NOT_ACTIVITY = {
    ("incidents", "Alert"),  # notifications and reminders
    ("incidents", "RiskAnswer"),  # written with its assessment
    ("incidents", "ComplaintDraft"),  # a submitted draft only remembers the case it became
    ("incidents", "IncidentUserShare"),  # shares are access, audited separately
    ("incidents", "IncidentOrganisationShare"),
    ("retention", "IncidentRetention"),  # the retention state; its own change check
    ("retention", "RetentionDecision"),
    ("audit", "Disclosure"),  # a register entry about the case, not work on it
}


def touch(incident_id) -> None:
    """Mark the case as worked on now (one UPDATE; no history row, no version bump)."""
    if incident_id is not None:
        Incident.objects.filter(pk=incident_id).update(last_activity_at=timezone.now())


def _on_part_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    touch(ACTIVITY[(sender._meta.app_label, sender.__name__)](instance))


def _on_incident_saved(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    # A new incident's default is its creation time; later saves are edits.
    if raw or created:
        return
    touch(instance.pk)


def connect() -> None:
    post_save.connect(_on_incident_saved, sender=Incident, dispatch_uid="incident_activity")
    for app_label, model_name in ACTIVITY:
        post_save.connect(
            _on_part_saved,
            sender=apps.get_model(app_label, model_name),
            dispatch_uid=f"incident_activity_{app_label}_{model_name}",
        )
