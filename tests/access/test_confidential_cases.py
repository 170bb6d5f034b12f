"""A Confidential case (SPEC V4) is seen only by its lead organisation and explicit shares -
also on the pages that once went around the view rule: the retention settings, the review
queue and its decisions, the disclosure register and the audit trail. Checked for every
group of the lead organisation, of other organisations of the partnership, and for the
deployment-wide administrator (of the police, which covers the whole force area).

A row per user: may they see the case's retention settings (S), change its flag or hold
(F), see it in the review queue and decide on it (Q)? "-" = nothing, and 404.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import UserGroup
from audit.models import AuditEvent
from audit.registers import record_disclosure
from incidents.models import Incident
from incidents.services import log_complaint
from retention.models import IncidentRetention, RetentionDecision

MATRIX = """
user                      confidential
blaby.basic               -
blaby.operational         -
blaby.enhanced            SF
blaby.analyst             -
blaby.administrator       SFQ
police.basic              -
police.operational        -
police.enhanced           -
police.analyst            -
police.administrator      -
police.deployment         -
county.enhanced           -
county.administrator      -
county.deployment         -
"""
ORGANISATIONS = {
    "blaby": "Blaby District Council",
    "police": "Leicestershire Police",
    "county": "Leicestershire County Council",
}
ROWS = dict(line.split() for line in MATRIX.strip().splitlines()[1:])


@pytest.fixture
def confidential(partnership, make_user) -> Incident:
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    case = log_complaint(
        by=officer,
        area=partnership.areas["Blaby"],
        description="Confidential harassment case",
        marking=Incident.Marking.CONFIDENTIAL,
    )
    Incident.objects.filter(pk=case.pk).update(status=Incident.Status.CLOSED)
    IncidentRetention.objects.update_or_create(
        incident=case,
        defaults={"review": IncidentRetention.Review.QUEUED, "queued_at": timezone.now()},
    )
    return case


def _user(row, make_user):
    short, group = row.split(".")
    if group == "deployment":
        return make_user(
            ORGANISATIONS[short], UserGroup.ADMINISTRATOR, manages_all_organisations=True
        )
    return make_user(ORGANISATIONS[short], group)


def _denied(urn) -> int:
    return AuditEvent.objects.filter(
        event_type=AuditEvent.Type.ACCESS_DENIED, target_id=urn
    ).count()


@pytest.mark.parametrize("row", list(ROWS))
def test_retention_follows_the_view_rule_of_a_confidential_case(
    row, client, make_user, confidential
):
    user = _user(row, make_user)
    expected = ROWS[row]
    client.force_login(user)
    settings_url = reverse("incident-retention", args=[confidential.urn])
    decide_url = reverse("retention-decide", args=[confidential.urn])

    # The retention settings page: read, then try to flag and to hold.
    before = _denied(confidential.urn)
    page = client.get(settings_url)
    assert page.status_code == (200 if "S" in expected else 404), f"{row}: settings page"
    if "S" not in expected:
        assert _denied(confidential.urn) == before + 1, f"{row}: the denial is logged"
        assert "Confidential harassment" not in page.content.decode()
    flagged = client.post(
        settings_url,
        {"action": "flag", "flag-flag": "automatic", "flag-reason": "Low-level"},
    )
    held = client.post(
        settings_url, {"action": "hold", "hold-hold": "place", "hold-reason": "Claim expected"}
    )
    state = IncidentRetention.objects.get(incident=confidential)
    if "F" in expected:
        assert (flagged.status_code, held.status_code) == (302, 302)
        assert state.legal_hold
    else:
        assert (flagged.status_code, held.status_code) == (404, 404), f"{row}: flag/hold"
        assert not state.legal_hold
        assert state.deletion != "automatic"

    # The review queue, and the decisions on the case.
    queue = client.get(reverse("retention-queue"))
    listed = queue.status_code == 200 and confidential.urn in queue.content.decode()
    assert listed is ("Q" in expected), f"{row}: review queue"
    if "Q" in expected:
        return
    IncidentRetention.objects.filter(incident=confidential).update(legal_hold=False)
    assert client.get(decide_url).status_code in (302, 404)
    client.post(decide_url, {"action": "delete", "delete-opened_at": "x", "delete-confirm": "on"})
    client.post(
        decide_url,
        {
            "action": "keep",
            "keep-opened_at": "x",
            "keep-reason": "Keep",
            "keep-review_on_day": "1",
        },
    )
    assert Incident.objects.filter(pk=confidential.pk).exists(), f"{row}: erased!"
    assert not RetentionDecision.objects.filter(incident=confidential).exists(), f"{row}: kept"


def test_the_deployment_wide_administrator_does_not_see_its_register_entry(
    client, make_user, confidential
):
    """Blaby's disclosure about its Confidential case names and describes it: it stays in
    Blaby's register; the deployment-wide administrator sees the partnership's other
    entries."""
    blaby_admin = make_user("Blaby District Council", UserGroup.ADMINISTRATOR)
    everywhere = make_user(
        "Leicestershire Police", UserGroup.ADMINISTRATOR, manages_all_organisations=True
    )
    fields = {
        "disclosed_on": timezone.localdate(),
        "information": "Address of the victim",
        "recipient": "Duty solicitor",
        "recipient_organisation": "Law firm",
        "reason": "legal",
        "legal_gateway": "consent",
        "justification": "Secret reason about the victim",
        "authorised_by": "Manager",
    }
    secret = record_disclosure(by=blaby_admin, incident=confidential, **fields)
    open_entry = record_disclosure(
        by=blaby_admin, incident=None, **{**fields, "justification": "Ordinary reason"}
    )

    client.force_login(everywhere)
    page = client.get(reverse("disclosures")).content.decode()
    assert "Ordinary reason" in page or str(open_entry.pk) in page
    assert confidential.urn not in page
    assert "Secret reason" not in page
    assert client.get(reverse("disclosure-detail", args=[secret.pk])).status_code == 404

    client.force_login(blaby_admin)
    assert client.get(reverse("disclosure-detail", args=[secret.pk])).status_code == 200
