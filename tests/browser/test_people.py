"""People pages in a browser: adding a person (a likely match offered, then a new person),
the person's page, editing, history, the involvement page, search; an administrator merges
two records and undoes it. Every page is scanned by axe-core."""

from datetime import date

import pytest

from access.models import UserGroup
from incidents.services import log_complaint
from people.models import Involvement, Person
from people.services import involve

from .conftest import look_at, sign_in
from .dates import fill_date

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_adding_finding_editing_and_merging_people(page, partnership, make_user):
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL, username="pat.officer")
    make_user("Blaby District Council", UserGroup.ADMINISTRATOR, username="ali.admin")
    blaby = partnership.areas["Blaby"]
    earlier = log_complaint(by=officer, area=blaby, description="Earlier noise complaint")
    known = involve(
        earlier,
        by=officer,
        role="victim",
        person_fields={
            "given_name": "Beatrix",
            "family_name": "Pembertin",
            "date_of_birth": date(1984, 11, 23),
            "postcode": "LE19 2AB",
        },
    ).person
    incident = log_complaint(by=officer, area=blaby, description="Shouting in the street")

    sign_in(page, "pat.officer")
    page.goto(f"/incidents/{incident.urn}/")
    page.get_by_role("link", name="Add a person").click()
    page.get_by_role("heading", name="Add a person").wait_for()
    look_at(page, "people-01-find")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("alert").filter(has_text="There is a problem").wait_for()
    look_at(page, "people-02-find-errors")

    page.get_by_label("Witness").check()
    page.get_by_label("First name").fill("Beatrix")
    page.get_by_label("Last name").fill("Pemberton")
    fill_date(page, "Date of birth", date(1984, 11, 23))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Is this someone already known?").wait_for()
    look_at(page, "people-03-matches")
    page.get_by_label("None of these — add a new person").check()
    page.locator("#id_person-postcode").fill("LE19")
    look_at(page, "people-04-new-person")
    page.get_by_role("button", name="Add person").click()
    page.get_by_role("alert").filter(has_text="There is a problem").wait_for()
    assert page.locator("#id_person-postcode").input_value() == "LE19"
    look_at(page, "people-05-new-person-errors")
    page.get_by_label("Link Beatrix Pembertin, born 23 Nov 1984, LE19 2AB").check()
    page.get_by_role("button", name="Add person").click()
    page.get_by_role("heading", name=f"Incident {incident.urn}").wait_for()
    assert Involvement.objects.get(incident=incident).person == known
    look_at(page, "people-06-incident-people-card")

    page.get_by_role("link", name="Beatrix Pembertin", exact=True).click()
    page.get_by_role("heading", name="Beatrix Pembertin").wait_for()
    look_at(page, "people-07-person")
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Last name").fill("Pemberton")
    page.get_by_label("National Insurance number").fill("123")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("alert").filter(has_text="There is a problem").wait_for()
    look_at(page, "people-08-edit-errors")
    page.get_by_label("National Insurance number").fill("QQ 12 34 56 C")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("heading", name="Beatrix Pemberton").wait_for()
    page.get_by_role("link", name="History").click()
    page.get_by_role("heading", name="History of Beatrix Pemberton's record").wait_for()
    look_at(page, "people-09-history")

    page.goto(f"/incidents/{incident.urn}/people/{Involvement.objects.get(incident=incident).pk}/")
    page.get_by_text("Record a statement").click()
    page.get_by_text("Record a consent decision").click()
    look_at(page, "people-10-involvement")

    page.goto("/people/search/")
    page.get_by_label("Last name").fill("Pemberton")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Beatrix Pemberton", exact=True).wait_for()
    look_at(page, "people-11-search")

    duplicate = involve(
        incident,
        by=officer,
        role="victim",
        person_fields={"given_name": "Beatrix", "family_name": "Pemberton"},
    ).person
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "ali.admin")
    page.goto("/people/merge/")
    look_at(page, "people-12-merge")
    page.get_by_label("Person number of the record to keep").fill(str(known.pk))
    page.get_by_label("Person number of the duplicate").fill(str(duplicate.pk))
    page.get_by_role("button", name="Compare them").click()
    page.get_by_role(
        "heading", name=f"Merge person {duplicate.pk} into person {known.pk}"
    ).wait_for()
    look_at(page, "people-13-merge-confirm")
    page.get_by_label("Why are these the same person?").fill("Same name and incidents")
    page.get_by_role("button", name="Merge these records").click()
    page.get_by_role("link", name=f"Undo merge of person {duplicate.pk}").click()
    look_at(page, "people-14-undo-merge")
    page.get_by_label("Why is the merge being undone?").fill("Merged by mistake")
    page.get_by_role("button", name="Undo merge").click()
    page.get_by_role("heading", name="Beatrix Pemberton").first.wait_for()
    assert Person.objects.get(pk=duplicate.pk).merged_into is None
