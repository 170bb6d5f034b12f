"""Merging duplicate people, and undoing it (SPEC P2): administrators only, audited, with
history, and reversible to exactly what was moved."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import escape

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.services import log_complaint
from people import services
from people.models import Consent, Involvement, MergeReason, Person

from .conftest import person_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(scenario):
    return scenario.user(UserGroup.ADMINISTRATOR)


@pytest.fixture
def officer(scenario):
    return scenario.user(UserGroup.OPERATIONAL)


@pytest.fixture
def twins(scenario, officer, partnership):
    """The same woman recorded twice: `keep` in two incidents, `duplicate` in two more,
    one of them the same incident and role as keep (a collision), with consent, a statement
    and a dependant hanging off the colliding involvement."""
    details = person_fields(given_name="Harriet", family_name="Okonkwo")
    first = scenario.incidents["in_area"]
    second = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Second")
    third = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Third")
    keep = services.involve(first, by=officer, role="victim", person_fields=details).person
    services.involve(second, by=officer, role="complainant", person=keep)
    collision = services.involve(
        first, by=officer, role="victim", person_fields=details, support_needs="Interpreter"
    )
    duplicate = collision.person
    moved = services.involve(third, by=officer, role="witness", person=duplicate)
    statement = services.record_statement(
        collision, by=officer, taken=True, taken_on=datetime.date(2026, 1, 2)
    )
    child = services.involve(
        first, by=officer, role="dependant", dependant_of=collision, person_fields=person_fields()
    )
    consent = services.record_consent(
        duplicate,
        third,
        by=officer,
        scope="victim_support",
        status="given",
        decided_on=datetime.date(2026, 1, 3),
    )
    return {
        "keep": keep,
        "duplicate": duplicate,
        "collision": collision,
        "moved": moved,
        "statement": statement,
        "child": child,
        "consent": consent,
        "incidents": (first, second, third),
    }


def test_merge_moves_everything_to_the_kept_record_and_records_it(twins, admin):
    keep, duplicate = twins["keep"], twins["duplicate"]
    first, _, third = twins["incidents"]

    event = services.merge_people(keep, duplicate, by=admin, reason="Same DOB and address")

    duplicate.refresh_from_db()
    assert duplicate.merged_into == keep
    assert not duplicate.involvements.exists()
    assert not duplicate.consents.exists()
    kept_victim = Involvement.objects.get(incident=first, person=keep, role="victim")
    assert set(keep.involvements.values_list("incident", "role")) == {
        (first.pk, "victim"),
        (twins["incidents"][1].pk, "complainant"),
        (third.pk, "witness"),
    }
    # The colliding involvement was folded into keep's: what hung off it moved across.
    assert not Involvement.objects.filter(pk=twins["collision"].pk).exists()
    twins["statement"].refresh_from_db()
    twins["child"].refresh_from_db()
    assert twins["statement"].involvement == kept_victim
    assert twins["child"].dependant_of == kept_victim
    kept_victim.refresh_from_db()
    assert kept_victim.support_needs == "Interpreter"
    assert services.consent_in_force(keep, third, "victim_support") is True

    assert (event.event_type, event.actor, event.target_id) == (
        AuditEvent.Type.PEOPLE_MERGED,
        admin,
        str(duplicate.pk),
    )
    # The event names what moved and where the reason is kept, never what was typed: the
    # audit log outlives the people (docs/retention.md).
    reason = MergeReason.objects.get(pk=event.details["reason"])
    assert (reason.action, reason.keep, reason.duplicate, reason.reason) == (
        MergeReason.Action.MERGE,
        keep,
        duplicate,
        "Same DOB and address",
    )
    assert event.justification == ""
    assert "Interpreter" not in json.dumps(event.details)
    assert event.details["folded"][0]["filled"] == ["support_needs"]
    assert event.details["involvements"] == [twins["moved"].pk]
    assert event.details["consents"] == [twins["consent"].pk]
    assert [f["involvement"] for f in event.details["folded"]] == [twins["collision"].pk]
    # History records the author of every row the merge changed.
    assert duplicate.history.latest().history_user == admin
    assert twins["moved"].history.latest().history_user == admin
    assert twins["consent"].history.latest().history_user == admin
    deleted = Involvement.history.filter(id=twins["collision"].pk, history_type="-").get()
    assert deleted.history_user == admin


def test_undo_puts_back_exactly_what_was_moved(twins, admin, scenario):
    keep, duplicate = twins["keep"], twins["duplicate"]
    first, _, third = twins["incidents"]
    services.merge_people(keep, duplicate, by=admin, reason="Looked the same")
    # Added after the merge: stays with keep.
    later = log_complaint(
        by=scenario.user(UserGroup.OPERATIONAL),
        area=scenario.partnership.areas["Blaby"],
        description="After the merge",
    )
    services.involve(later, by=admin, role="victim", person=keep)

    undo = services.undo_merge(duplicate, by=admin, reason="Different people after all")

    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
    assert set(duplicate.involvements.values_list("incident", "role")) == {
        (first.pk, "victim"),
        (third.pk, "witness"),
    }
    assert set(keep.involvements.values_list("incident", flat=True)) == {
        first.pk,
        twins["incidents"][1].pk,
        later.pk,
    }
    recreated = duplicate.involvements.get(incident=first)
    twins["statement"].refresh_from_db()
    twins["child"].refresh_from_db()
    assert twins["statement"].involvement == recreated
    assert twins["child"].dependant_of == recreated
    assert recreated.support_needs == "Interpreter"
    assert Involvement.objects.get(incident=first, person=keep).support_needs == ""
    assert list(duplicate.consents.all()) == [twins["consent"]]
    assert services.consent_in_force(keep, third, "victim_support") is False
    assert (undo.event_type, undo.actor, undo.target_id, undo.details["action"]) == (
        AuditEvent.Type.PEOPLE_MERGE_UNDONE,
        admin,
        str(duplicate.pk),
        "undo",
    )
    assert undo.justification == ""
    assert MergeReason.objects.get(pk=undo.details["reason"]).reason == (
        "Different people after all"
    )
    assert duplicate.history.latest().history_user == admin
    # Nothing left to undo.
    with pytest.raises(ValidationError):
        services.undo_merge(duplicate, by=admin, reason="Again")


def test_only_administrators_merge_and_only_people_they_can_see(twins, scenario, people):
    for group in (UserGroup.OPERATIONAL, UserGroup.ENHANCED, UserGroup.ANALYST):
        with pytest.raises(PermissionDenied):
            services.merge_people(
                twins["keep"], twins["duplicate"], by=scenario.user(group), reason="Same"
            )
    admin = scenario.user(UserGroup.ADMINISTRATOR)
    with pytest.raises(PermissionDenied):
        services.merge_people(twins["keep"], people.remote, by=admin, reason="Same")
    with pytest.raises(ValidationError) as excinfo:
        services.merge_people(twins["keep"], twins["duplicate"], by=admin, reason=" ")
    assert excinfo.value.message_dict == {
        "reason": ["Enter why these records are the same person"]
    }
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.PEOPLE_MERGED).exists()
    assert Person.objects.filter(merged_into__isnull=False).count() == 0


def test_merge_and_undo_through_the_pages(client, twins, admin):
    keep, duplicate = twins["keep"], twins["duplicate"]
    client.force_login(admin)

    compare = client.post(
        reverse("people-merge"),
        {"action": "compare", "pick-keep": keep.pk, "pick-duplicate": duplicate.pk},
    )
    assert compare.status_code == 200
    assert f"Merge person {duplicate.pk} into person {keep.pk}" in compare.content.decode()

    missing_reason = client.post(
        reverse("people-merge"),
        {"action": "merge", "confirm-keep": keep.pk, "confirm-duplicate": duplicate.pk},
    )
    assert "Enter why these records are the same person" in missing_reason.content.decode()
    assert missing_reason.content.decode().count("<title>Error: ") == 1

    merged = client.post(
        reverse("people-merge"),
        {
            "action": "merge",
            "confirm-keep": keep.pk,
            "confirm-duplicate": duplicate.pk,
            "confirm-reason": "Same person",
        },
    )
    assert merged.status_code == 302
    assert merged.url == reverse("person-detail", args=[keep.pk])
    page = client.get(merged.url).content.decode()
    assert reverse("people-merge-undo", args=[duplicate.pk]) in page
    # The duplicate has no incidents left: its own page is gone for everyone.
    assert client.get(reverse("person-detail", args=[duplicate.pk])).status_code == 404
    history = client.get(reverse("person-history", args=[keep.pk])).content.decode()
    assert f"merged person {duplicate.pk}" in history
    assert "Reason: Same person" in history
    undo_page = client.get(reverse("people-merge-undo", args=[duplicate.pk])).content.decode()
    assert "Reason given: Same person" in undo_page

    undone = client.post(
        reverse("people-merge-undo", args=[duplicate.pk]), {"reason": "Not the same"}
    )
    assert undone.status_code == 302
    assert client.get(reverse("person-detail", args=[duplicate.pk])).status_code == 200


def test_the_undo_page_is_for_administrators_who_can_see_the_kept_record(
    client, twins, scenario, admin
):
    services.merge_people(twins["keep"], twins["duplicate"], by=admin, reason="Same")
    url = reverse("people-merge-undo", args=[twins["duplicate"].pk])
    client.force_login(scenario.user(UserGroup.ENHANCED))
    assert client.get(url).status_code == 404
    client.force_login(admin)
    assert client.get(url).status_code == 200
    # Not merged: nothing to undo.
    assert client.get(reverse("people-merge-undo", args=[twins["keep"].pk])).status_code == 404


def test_comparing_someone_out_of_scope_says_no_such_person(client, admin, people):
    # A surname nobody else on the page can have (a random one may be the admin's own).
    Person.objects.filter(pk=people.remote.pk).update(family_name="Quarrendale-Vexley")
    people.remote.refresh_from_db()
    client.force_login(admin)
    response = client.post(
        reverse("people-merge"),
        {"action": "compare", "pick-keep": people.local.pk, "pick-duplicate": people.remote.pk},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is no person you can see with this number" in page
    assert escape(people.remote.family_name) not in page
    assert Consent.objects.count() == 0
