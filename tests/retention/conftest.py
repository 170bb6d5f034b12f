import datetime
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.utils import timezone

from access.models import UserGroup
from incidents.models import Document

from .planting import plant_case


@pytest.fixture(autouse=True)
def documents_root(settings, tmp_path, monkeypatch) -> Path:
    """Each test stores documents in its own folder (see tests/incidents/test_documents.py)."""
    root = tmp_path / "private-documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": None},
        },
    }
    monkeypatch.setattr(Document._meta.get_field("file"), "storage", storages["documents"])
    return root


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
