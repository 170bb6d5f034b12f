"""Administrators keep the partnership's reference lists (SPEC M2); nobody else can."""

import pytest
from django.urls import reverse

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import CaseRules, PenCode

PAGES = [
    ("reference-index", []),
    ("reference-case-rules", []),
    ("reference-list", ["pen-codes"]),
    ("reference-add", ["risk-questions"]),
]


@pytest.mark.parametrize("group", list(UserGroup.values))
def test_only_administrators_see_reference_data(client, make_user, group):
    client.force_login(make_user("Leicestershire Police", group))
    expected = 200 if group == UserGroup.ADMINISTRATOR else 404
    for name, args in PAGES:
        assert client.get(reverse(name, args=args)).status_code == expected, name
    pen = PenCode.objects.first()
    edit = reverse("reference-edit", args=["pen-codes", pen.pk])
    assert client.post(edit, {"code": pen.code, "label": "Changed"}).status_code in (
        (302,) if expected == 200 else (404,)
    )


def test_an_administrator_adds_and_deactivates_a_code(client, make_user):
    admin = make_user("Leicestershire Police", UserGroup.ADMINISTRATOR)
    client.force_login(admin)

    added = client.post(
        reverse("reference-add", args=["pen-codes"]),
        {"code": "ASB99", "label": "Demo code", "active": "on"},
    )
    code = PenCode.objects.get(code="ASB99")
    changed = client.post(
        reverse("reference-edit", args=["pen-codes", code.pk]),
        {"code": "ASB99", "label": "Demo code"},  # active unticked
    )

    assert added.status_code == changed.status_code == 302
    code.refresh_from_db()
    assert not code.active
    assert [h.history_user for h in code.history.all()] == [admin, admin]
    assert (
        AuditEvent.objects.filter(
            event_type=AuditEvent.Type.REFERENCE_CHANGED, actor=admin
        ).count()
        == 2
    )
    # An inactive code is no longer offered when logging a complaint.
    from incidents.forms import IncidentDetailsForm

    assert code not in IncidentDetailsForm(viewer=admin).fields["pen_code"].queryset


def test_a_duplicate_code_gets_a_field_message(client, make_user):
    client.force_login(make_user("Leicestershire Police", UserGroup.ADMINISTRATOR))
    existing = PenCode.objects.first()
    response = client.post(
        reverse("reference-add", args=["pen-codes"]),
        {"code": existing.code, "label": "Typed label kept"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "already exists" in page
    assert "Typed label kept" in page


def test_case_rules_refuse_a_high_threshold_below_medium(client, make_user):
    client.force_login(make_user("Leicestershire Police", UserGroup.ADMINISTRATOR))
    response = client.post(
        reverse("reference-case-rules"),
        {"medium_from": 8, "high_from": 6, "repeat_min_incidents": 3, "repeat_window_days": 90},
    )
    assert "High must start above Medium." in response.content.decode()
    assert CaseRules.current().high_from == 12
