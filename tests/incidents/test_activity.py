"""`Incident.last_activity_at` (incidents/activity.py): every change to a case or a part of it
moves it; notifications and plain reads do not."""

import datetime

import pytest
import time_machine
from django.apps import apps
from django.db import models
from django.utils import timezone

from access.models import UserGroup
from incidents import activity
from incidents.models import Incident, WorkingSheetEntry
from incidents.services import log_complaint, update_incident
from incidents.services.notifications import notify
from incidents.services.tasks import raise_task
from incidents.services.worksheet import add_entry
from people.models import Consent, Involvement
from people.services import involve, record_consent


def points_at_incident(model) -> bool:
    """A model with a foreign key to Incident, or to a model that has one (one step)."""
    for field in model._meta.get_fields():
        if isinstance(field, models.ForeignKey) and not field.auto_created:
            target = field.related_model
            if target is Incident:
                return True
            if any(
                isinstance(inner, models.ForeignKey) and inner.related_model is Incident
                for inner in target._meta.get_fields()
            ):
                return True
    return False


def test_every_part_of_a_case_is_either_activity_or_declared_not_to_be():
    parts = {
        (model._meta.app_label, model.__name__)
        for model in apps.get_models()
        if points_at_incident(model) and not model.__name__.startswith("Historical")
    }
    undeclared = parts - set(activity.ACTIVITY) - activity.NOT_ACTIVITY
    assert undeclared == set(), "add these to incidents/activity.py ACTIVITY or NOT_ACTIVITY"
    assert ("people", "Statement") in parts  # the discovery reaches parts of parts


@pytest.fixture
def officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


@pytest.fixture
def incident(officer, partnership):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=40)):
        return log_complaint(by=officer, area=partnership.areas["Blaby"], description="Noise")


def last_activity(incident) -> datetime.datetime:
    return Incident.objects.values_list("last_activity_at", flat=True).get(pk=incident.pk)


def test_a_new_case_is_active_from_its_creation(incident):
    assert timezone.now() - last_activity(incident) > datetime.timedelta(days=39)


@pytest.mark.parametrize(
    "change",
    ["edit", "entry", "task", "person", "consent"],
)
def test_changes_to_the_case_or_its_parts_are_activity(incident, officer, change):
    if change == "edit":
        update_incident(
            incident, by=officer, expected_version=incident.version, address="1 High Street"
        )
    elif change == "entry":
        add_entry(
            incident,
            by=officer,
            kind=WorkingSheetEntry.Kind.NOTE,
            text="Rang the complainant",
            occurred_at=timezone.now(),
        )
    elif change == "task":
        raise_task(
            incident,
            by=officer,
            assigned_to=officer,
            title="Visit",
            due_on=timezone.localdate() + datetime.timedelta(days=2),
        )
    else:
        involvement = involve(
            incident,
            by=officer,
            role=Involvement.Role.VICTIM,
            person_fields={"given_name": "Ada", "family_name": "Example"},
        )
        if change == "consent":
            Incident.objects.filter(pk=incident.pk).update(
                last_activity_at=timezone.now() - datetime.timedelta(days=5)
            )
            record_consent(
                involvement.person,
                incident,
                by=officer,
                scope=Consent.Scope.PARTNER_SHARING,
                status=Consent.Status.GIVEN,
                decided_on=timezone.localdate(),
            )
    assert timezone.now() - last_activity(incident) < datetime.timedelta(minutes=1)


def test_a_notification_is_not_activity(incident, officer, make_user):
    colleague = make_user("Blaby District Council", UserGroup.ENHANCED)
    before = last_activity(incident)
    notify(
        incident,
        recipient=colleague,
        kind="attention",
        key="test-activity",
        message="Please look",
        sender=officer,
    )
    assert last_activity(incident) == before
