"""A NUL byte typed or pasted into a complaint (or sent by a fuzzer) is refused with a clear
message and loses nothing else that was typed; it never reaches the database, which cannot
store it (hostile testing found a 500 and the typing lost in every section, the autosave
and the drafts endpoint)."""

import json

import pytest
from django.urls import reverse

from access.models import FormDraft, UserGroup
from incidents.models import ComplaintDraft, Incident

NUL = "\x00"
TYPED = "Loud music from number 9 every night"


@pytest.fixture
def officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


@pytest.fixture
def draft(client, officer) -> ComplaintDraft:
    client.force_login(officer)
    assert client.post(reverse("log-complaint")).status_code == 302
    return ComplaintDraft.objects.latest("pk")


SECTIONS = {
    "initial_contact": {"contact_method": f"phone{NUL}", "reported_by_name": f"Sam{NUL} Smith"},
    "details": {"description": f"{TYPED}{NUL}", "marking": "restricted"},
    "entry": {"kind": "victim_contact", "text": f"{TYPED}{NUL}", "occurred_at": ""},
    "alert": {"recipient": f"1{NUL}", "message": f"{TYPED}{NUL}"},
}


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_a_nul_byte_in_a_section_is_a_field_error_and_the_typing_is_kept(client, draft, section):
    url = reverse("complaint-section", args=[draft.pk, section])
    response = client.post(url, SECTIONS[section])

    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    draft.refresh_from_db()
    kept = draft.data[section]
    for name, value in SECTIONS[section].items():
        assert kept[name] == value.replace(NUL, "")
    assert section not in draft.completed


def test_a_nul_byte_in_the_description_is_named_on_the_field(client, draft):
    response = client.post(
        reverse("complaint-section", args=[draft.pk, "details"]),
        {"description": f"{TYPED}{NUL}", "marking": "restricted"},
    )
    page = response.content.decode()
    assert 'id="id_description-error"' in page
    assert "Null characters are not allowed." in page
    assert TYPED in page


def test_the_autosave_keeps_the_typing_without_the_nul_byte(client, draft):
    saved = client.post(
        reverse("complaint-autosave", args=[draft.pk, "details"]), {"description": f"{TYPED}{NUL}"}
    )

    assert saved.status_code == 204
    draft.refresh_from_db()
    assert draft.data["details"]["description"] == TYPED


def test_a_person_with_a_nul_byte_is_refused_on_the_field(client, draft):
    response = client.post(
        reverse("complaint-person-add", args=[draft.pk]),
        {"role": "victim", "given_name": f"Ada{NUL}", "family_name": "Example"},
    )

    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    draft.refresh_from_db()
    assert draft.data["people"] == []


def test_a_draft_with_a_nul_byte_is_kept_without_it(client, officer):
    client.force_login(officer)
    body = {"path": f"/incidents/x{NUL}/", "form_key": f"f{NUL}", "data": {"text": [f"a{NUL}b"]}}

    response = client.post(reverse("form-draft-save"), json.dumps(body), "application/json")

    assert response.status_code == 201
    kept = FormDraft.objects.get(user=officer)
    assert (kept.path, kept.form_key, kept.data) == ("/incidents/x/", "f", {"text": ["ab"]})


def test_looking_up_drafts_of_a_path_with_a_nul_byte_is_not_a_server_error(client, officer):
    client.force_login(officer)
    response = client.get(reverse("form-draft-save"), {"path": f"/x{NUL}/"})
    assert response.status_code == 404


def test_submitting_after_a_nul_byte_was_refused_logs_the_complaint(client, draft, partnership):
    client.post(
        reverse("complaint-section", args=[draft.pk, "details"]),
        {"description": f"{TYPED}{NUL}", "marking": "restricted"},
    )
    fixed = {
        "description": TYPED,
        "marking": "restricted",
        "area": partnership.areas["Blaby"].pk,
    }
    url = reverse("complaint-section", args=[draft.pk, "details"])
    assert client.post(url, fixed).status_code == 302
    assert client.post(reverse("complaint-submit", args=[draft.pk])).status_code == 302
    assert Incident.objects.get().description == TYPED
