import datetime

import pytest
from django.utils import timezone

from access.models import UserGroup

from .planting import plant_case


@pytest.fixture(autouse=True)
def _documents_in_tmp(documents_root):
    """Every test here stores documents in its own folder (tests/conftest.py)."""


@pytest.fixture
def officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL, username="blaby.officer")


@pytest.fixture
def manager(make_user):
    return make_user("Blaby District Council", UserGroup.ENHANCED, username="blaby.manager")


@pytest.fixture
def administrator(make_user):
    return make_user("Blaby District Council", UserGroup.ADMINISTRATOR, username="blaby.admin")


def years_ago(years: int) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years)


@pytest.fixture
def plant(officer, manager, partnership):
    """plant(closed_on=..., category=..., outcome=...) -> PlantedCase in Blaby."""

    def make(**options):
        options.setdefault("closed_on", years_ago(3))
        return plant_case(
            officer=officer, manager=manager, area=partnership.areas["Blaby"], **options
        )

    return make
