import datetime

import factory
from factory.django import DjangoModelFactory

from incidents.models import Incident, Task
from incidents.services import next_urn


class IncidentFactory(DjangoModelFactory):
    """For states no service can reach yet (e.g. a lead handed to another organisation,
    a case awaiting closure). Prefer `incidents.services.log_complaint` where it can."""

    class Meta:
        model = Incident

    urn = factory.LazyFunction(next_urn)
    description = factory.Faker("paragraph", locale="en_GB")
    lead_officer = factory.SelfAttribute("created_by")
    lead_organisation = factory.SelfAttribute("created_by.organisation")


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = Task

    title = "Visit the complainant"
    due_on = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=7))
