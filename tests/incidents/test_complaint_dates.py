"""Dates in the complaint task list (issue #24 item 16): the GOV.UK date input, the parts of a
date kept in the draft exactly as typed (autosave, section saves, the person step's hidden
fields) and read back at submission; the first working-sheet entry is about now unless
changed."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import UserGroup
from incidents.models import ComplaintDraft, Incident
from incidents.services import log_complaint
from people.models import Person
from people.services import involve
from tests.support.posted import typed_date

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


@pytest.fixture
def draft(client, officer, partnership):
    client.force_login(officer)
    client.post(reverse("log-complaint"))
    draft = ComplaintDraft.objects.latest("pk")
    details = {
        "description": "Shouting in the stairwell every night.",
        "area": partnership.areas["Blaby"].pk,
        "marking": "restricted",
    }
    assert _section(client, draft, "details", details).status_code == 302
    return draft


def _section(client, draft, section, data):
    return client.post(reverse("complaint-section", args=[draft.pk, section]), data)


def _entry_page(client, draft) -> str:
    return client.get(reverse("complaint-section", args=[draft.pk, "entry"])).content.decode()


def test_the_first_entry_is_about_now_unless_changed(client, draft):
    before = timezone.localtime()
    page = _entry_page(client, draft)
    after = timezone.localtime()

    shown = {
        f"{moment.day} {moment.month} {moment.year} {moment.hour:02d} {moment.minute:02d}"
        for moment in (before, after)
    }
    values = []
    for part in ("day", "month", "year", "hour", "minute"):
        box = page.split(f'id="id_occurred_at_{part}"', 1)[0].rsplit("<input", 1)[1]
        values.append(box.split('value="', 1)[1].split('"', 1)[0])
    assert " ".join(values) in shown


def test_date_parts_round_trip_through_the_draft_and_reach_the_case(client, draft):
    typed = {
        "kind": "note",
        "text": "Called the caller back.",
        "occurred_at_day": "31",
        "occurred_at_month": "2",
        "occurred_at_year": "2026",
        "occurred_at_hour": "09",
        "occurred_at_minute": "15",
    }
    # Autosaved as typed, an impossible date included; the page shows it back in its boxes
    # with the message.
    saved = client.post(reverse("complaint-autosave", args=[draft.pk, "entry"]), typed)
    assert saved.status_code == 204
    draft.refresh_from_db()
    assert draft.data["entry"]["occurred_at_day"] == "31"
    page = _entry_page(client, draft)
    assert "When it happened must be a real date." in page
    for part in ("day", "month", "year", "hour", "minute"):
        value = typed[f"occurred_at_{part}"]
        assert f'name="occurred_at_{part}" value="{value}"' in page

    fixed = {**typed, "occurred_at_day": "27"}
    assert _section(client, draft, "entry", fixed).status_code == 302
    submitted = client.post(reverse("complaint-submit", args=[draft.pk]))

    incident = Incident.objects.get()
    assert submitted.url == reverse("incident-detail", args=[incident.urn])
    entry = incident.entries.get()
    assert timezone.localtime(entry.occurred_at).replace(tzinfo=None).isoformat() == (
        "2026-02-27T09:15:00"
    )


def test_a_date_of_birth_goes_through_the_match_step_as_typed(client, officer, draft, partnership):
    earlier = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Before")
    known = involve(
        earlier,
        by=officer,
        role="victim",
        person_fields={"given_name": "Gráinne", "family_name": "O'Malley"},
    ).person
    typed = {
        "role": "victim",
        "given_name": "Grainne",
        "family_name": "OMalley",
        "gender": "female",
        **typed_date("date_of_birth", date(1979, 8, 4)),
    }

    offered = client.post(reverse("complaint-person-add", args=[draft.pk]), typed)

    page = offered.content.decode()
    assert f'value="{known.pk}"' in page  # the same name, typed without accent or apostrophe
    for name in ("date_of_birth_day", "date_of_birth_month", "date_of_birth_year"):
        assert f'<input type="hidden" name="{name}" value="{typed[name]}"' in page
    added = client.post(
        reverse("complaint-person-add", args=[draft.pk]),
        {**typed, "step": "choose", "choice": "new"},
    )
    assert added.status_code == 302
    client.post(reverse("complaint-submit", args=[draft.pk]))
    new = Person.objects.exclude(pk=known.pk).get()
    assert (new.given_name, new.date_of_birth) == ("Grainne", date(1979, 8, 4))
