import re

import pytest
from django.urls import reverse

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import Incident


@pytest.fixture
def form_data(partnership):
    return {
        "area": partnership.areas["Blaby"].pk,
        "description": "Youths kicking a ball against the shop shutters every evening.",
        "marking": Incident.Marking.RESTRICTED,
    }


def test_an_operational_user_logs_a_complaint_and_leads_it(client, make_user, form_data):
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    client.force_login(officer)

    response = client.post(reverse("log-complaint"), form_data)

    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("incident-detail", args=[incident.urn])
    assert re.fullmatch(r"ASB-\d{4}-\d{6}", incident.urn)
    assert (incident.created_by, incident.lead_officer) == (officer, officer)
    assert incident.lead_organisation == officer.organisation
    assert incident.history.get().history_user == officer
    assert AuditEvent.objects.filter(
        event_type=AuditEvent.Type.INCIDENT_CREATED, target_id=incident.urn, actor=officer
    ).exists()


def test_references_are_unique_and_sequential(client, make_user, form_data):
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    client.force_login(officer)
    for _ in range(3):
        client.post(reverse("log-complaint"), form_data)
    numbers = sorted(int(urn[-6:]) for urn in Incident.objects.values_list("urn", flat=True))
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


def test_a_basic_user_sees_the_reference_once_and_never_the_record_again(
    client, make_user, form_data
):
    clerk = make_user("Blaby District Council", UserGroup.BASIC)
    client.force_login(clerk)

    response = client.post(reverse("log-complaint"), form_data, follow=True)

    incident = Incident.objects.get()
    assert response.redirect_chain[-1][0] == reverse("complaint-logged")
    assert incident.urn in response.content.decode()
    assert incident.lead_officer is None
    # G1: gone from their view - the detail page, the list, the API, and the
    # confirmation page itself once it has been shown.
    assert client.get(reverse("incident-detail", args=[incident.urn])).status_code == 404
    assert client.get(f"/api/v1/incidents/{incident.urn}/").status_code == 404
    assert incident.urn not in client.get(reverse("home")).content.decode()
    again = client.get(reverse("complaint-logged"))
    assert again.status_code == 302
    assert again.url == reverse("home")


def test_bad_input_gets_field_messages_and_keeps_what_was_typed(client, make_user, partnership):
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    client.force_login(officer)
    typed = "Neighbour's dog barks all night and they shout abuse when asked to stop."

    response = client.post(
        reverse("log-complaint"),
        {"area": partnership.areas["Leicestershire"].pk, "description": typed, "marking": ""},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert not Incident.objects.exists()
    assert "There is a problem" in page
    assert "Select a valid choice" in page or "Choose the area" in page
    assert "Choose a protective marking." in page
    assert typed.replace("'", "&#x27;") in page


def test_a_user_who_may_not_log_complaints_gets_404(client, make_user, form_data):
    analyst = make_user("Blaby District Council", UserGroup.ANALYST)
    client.force_login(analyst)
    assert client.get(reverse("log-complaint")).status_code == 404
    assert client.post(reverse("log-complaint"), form_data).status_code == 404
    assert not Incident.objects.exists()


def test_an_analyst_with_add_rights_may_log(client, make_user, form_data):
    analyst = make_user(
        "Blaby District Council", UserGroup.ANALYST, analyst_can_add_and_amend=True
    )
    client.force_login(analyst)
    assert client.post(reverse("log-complaint"), form_data).status_code == 302
    assert Incident.objects.get().created_by == analyst


@pytest.mark.parametrize(
    ("group", "status"),
    [
        (UserGroup.BASIC, 200),
        (UserGroup.OPERATIONAL, 200),
        (UserGroup.ENHANCED, 200),
        (UserGroup.ANALYST, 404),
        (UserGroup.ADMINISTRATOR, 200),
    ],
)
def test_who_may_open_the_complaint_form(client, make_user, group, status):
    client.force_login(make_user("Leicestershire Police", group))
    assert client.get(reverse("log-complaint")).status_code == status
