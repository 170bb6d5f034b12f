"""Logging a complaint through the task list: drafts, sections, people, submission."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import UserGroup
from incidents.models import Alert, ComplaintDraft, Incident, RiskQuestion
from incidents.services import log_complaint
from people.models import Involvement, Person
from people.services import involve

NOW = timezone.localtime().strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def blaby(partnership):
    return partnership.areas["Blaby"]


def _start(client) -> ComplaintDraft:
    response = client.post(reverse("log-complaint"))
    assert response.status_code == 302
    return ComplaintDraft.objects.latest("pk")


def _section(client, draft, section, data):
    return client.post(reverse("complaint-section", args=[draft.pk, section]), data)


def _details(blaby, **extra):
    return {
        "description": "Youths throwing stones at windows on Mill Lane.",
        "area": blaby.pk,
        "marking": "restricted",
        "address": "4 Mill Lane",
        "postcode": "LE19 2AB",
        **extra,
    }


def test_an_officer_logs_a_full_complaint(client, make_user, blaby):
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    client.force_login(officer)
    draft = _start(client)

    # Bad input is kept in the draft and shown with its messages.
    typed = "Stones thrown at windows, typed before the mistake."
    bad = _section(client, draft, "details", {"description": typed, "area": "", "marking": ""})
    assert bad.status_code == 200
    assert "Choose the area where it happened." in bad.content.decode()
    draft.refresh_from_db()
    assert draft.data["details"]["description"] == typed
    assert "details" not in draft.completed

    assert _section(client, draft, "details", _details(blaby)).status_code == 302
    person = client.post(
        reverse("complaint-person-add", args=[draft.pk]),
        {"role": "victim", "given_name": "Ada", "family_name": "Example", "gender": "female"},
    )
    assert person.status_code == 302  # nobody like her yet: added as new
    answers = {f"question_{q.pk}": "yes" for q in RiskQuestion.objects.filter(active=True)}
    assert _section(client, draft, "risk", answers).status_code == 302
    entry = {"kind": "victim_contact", "text": "Spoke to the victim by phone.", "occurred_at": NOW}
    assert _section(client, draft, "entry", entry).status_code == 302

    submitted = client.post(reverse("complaint-submit", args=[draft.pk]))

    incident = Incident.objects.get()
    assert submitted.status_code == 302
    assert submitted.url == reverse("incident-detail", args=[incident.urn])
    assert incident.postcode == "LE19 2AB"
    assert incident.involvements.get().person.given_name == "Ada"
    assert incident.entries.get().text == "Spoke to the victim by phone."
    assert incident.current_risk == Incident.RiskLevel.HIGH
    # The draft keeps nothing typed, only the case it became.
    assert list(ComplaintDraft.objects.values_list("data", "submitted_as")) == [({}, incident.pk)]


# Grace Hopper is on record; the officer types "Hoper" (a typo) for the new complaint.
HOPER = {
    "role": "victim",
    "given_name": "Grace",
    "family_name": "Hoper",
    "date_of_birth": "1980-05-01",
    "gender": "female",
}


def _officer_who_recorded_grace_hopper(make_user, blaby):
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    earlier = log_complaint(by=officer, area=blaby, description="Earlier noise")
    involve(
        earlier,
        by=officer,
        role="victim",
        person_fields={
            "given_name": "Grace",
            "family_name": "Hopper",
            "date_of_birth": date(1980, 5, 1),
            "postcode": "LE19 2AB",
        },
    )
    return officer


def test_an_existing_person_is_offered_and_linked(client, make_user, blaby):
    officer = _officer_who_recorded_grace_hopper(make_user, blaby)
    known = Person.objects.get()
    client.force_login(officer)
    draft = _start(client)
    _section(client, draft, "details", _details(blaby))
    typed = dict(HOPER)

    offered = client.post(reverse("complaint-person-add", args=[draft.pk]), typed)
    assert offered.status_code == 200
    assert f'value="{known.pk}"' in offered.content.decode()

    chosen = client.post(
        reverse("complaint-person-add", args=[draft.pk]), {**typed, "choice": str(known.pk)}
    )
    assert chosen.status_code == 302
    client.post(reverse("complaint-submit", args=[draft.pk]))
    assert Person.objects.count() == 1
    assert Involvement.objects.filter(person=known).count() == 2


def test_nothing_is_chosen_for_the_user_when_someone_looks_the_same(client, make_user, blaby):
    """A hurried Continue must not link a stranger with a similar name: no match is
    pre-selected, and continuing without choosing says so and adds no one."""
    officer = _officer_who_recorded_grace_hopper(make_user, blaby)
    client.force_login(officer)
    draft = _start(client)
    typed = dict(HOPER)

    offered = client.post(reverse("complaint-person-add", args=[draft.pk]), typed)
    assert offered.status_code == 200
    assert " checked" not in offered.content.decode()

    hurried = client.post(
        reverse("complaint-person-add", args=[draft.pk]), {**typed, "step": "choose"}
    )
    assert hurried.status_code == 200
    page = hurried.content.decode()
    assert "Choose the person already recorded, or add a new person." in page
    assert "govuk-error-summary" in page
    assert 'value="Hoper"' in page  # what was typed is kept
    draft.refresh_from_db()
    assert draft.data.get("people", []) == []


def test_a_basic_user_logs_a_skeleton_and_alerts_a_colleague(client, make_user, blaby):
    clerk = make_user("Blaby District Council", UserGroup.BASIC)
    colleague = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    client.force_login(clerk)
    draft = _start(client)
    _section(client, draft, "details", _details(blaby))
    client.post(
        reverse("complaint-person-add", args=[draft.pk]),
        {"role": "complainant", "given_name": "Tom", "family_name": "Caller", "gender": "male"},
    )
    _section(client, draft, "entry", {"kind": "note", "text": "Caller upset.", "occurred_at": NOW})
    _section(client, draft, "alert", {"recipient": colleague.pk, "message": "Please allocate"})
    assert client.get(reverse("complaint-section", args=[draft.pk, "risk"])).status_code == 404

    submitted = client.post(reverse("complaint-submit", args=[draft.pk]), follow=True)

    incident = Incident.objects.get()
    assert submitted.redirect_chain[-1][0] == reverse("complaint-logged")
    assert incident.urn in submitted.content.decode()
    assert incident.lead_officer is None
    alert = Alert.objects.get()
    assert (alert.recipient, alert.kind, alert.incident) == (colleague, "new_complaint", incident)
    assert client.get(reverse("incident-detail", args=[incident.urn])).status_code == 404
    client.force_login(colleague)
    assert incident.urn in client.get(reverse("inbox")).content.decode()


def test_autosave_keeps_what_is_typed(client, make_user):
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    client.force_login(officer)
    draft = _start(client)
    typed = "Half a sentence typed when the session was about to time out"

    saved = client.post(
        reverse("complaint-autosave", args=[draft.pk, "details"]), {"description": typed}
    )

    assert saved.status_code == 204
    draft.refresh_from_db()
    assert draft.data["details"]["description"] == typed
    page = client.get(reverse("complaint-section", args=[draft.pk, "details"]))
    assert typed in page.content.decode()


def test_a_failed_submission_writes_nothing_and_keeps_the_draft(client, make_user, blaby):
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    other = make_user("Blaby District Council", UserGroup.ENHANCED)
    client.force_login(officer)
    draft = _start(client)
    _section(client, draft, "details", _details(blaby))
    _section(client, draft, "alert", {"recipient": other.pk})
    other.is_active = False  # leaves before the complaint is submitted
    other.save()

    response = client.post(reverse("complaint-submit", args=[draft.pk]), follow=True)

    assert not Incident.objects.exists()
    assert ComplaintDraft.objects.filter(pk=draft.pk).exists()
    assert "The complaint could not be logged" in response.content.decode()


@pytest.mark.parametrize("group", list(UserGroup.values))
def test_a_draft_is_seen_by_its_owner_alone(client, make_user, group):
    owner = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    client.force_login(owner)
    draft = _start(client)
    client.force_login(make_user("Blaby District Council", group))
    for name in ("complaint-tasks",):
        assert client.get(reverse(name, args=[draft.pk])).status_code == 404
    assert client.get(reverse("complaint-section", args=[draft.pk, "details"])).status_code == 404
    assert client.post(reverse("complaint-submit", args=[draft.pk])).status_code == 404
    assert ComplaintDraft.objects.filter(pk=draft.pk).exists()
