"""Helpers for tests of case supervision (R2, R3): set up through the services."""

from django.utils import timezone
from faker import Faker

from incidents.models import WorkingSheetEntry
from incidents.queries import required_referral
from incidents.services.worksheet import add_entry
from people.services import add_involvement

fake = Faker("en_GB")


def add_victim(incident, by):
    return add_involvement(
        incident,
        by=by,
        role="victim",
        person_fields={"given_name": fake.first_name(), "family_name": fake.last_name()},
    )


def refer_as_high_risk_requires(incident, by, involvement=None):
    """Record the referral a High-risk case needs (R2), for its first victim (added if none)."""
    involvement = involvement or add_victim(incident, by)
    return add_entry(
        incident,
        by=by,
        kind=WorkingSheetEntry.Kind.REFERRAL,
        referral_to=required_referral(incident),
        involvement=involvement,
        text="Referred as the High-risk guidance requires.",
        occurred_at=timezone.now(),
    )


def record_victim_contact(incident, by, when=None):
    return add_entry(
        incident,
        by=by,
        kind=WorkingSheetEntry.Kind.VICTIM_CONTACT,
        text="Spoke to the victim by phone.",
        occurred_at=when or timezone.now(),
    )
