from django.urls import reverse

from access.models import UserGroup
from audit.models import AuditEvent
from tests.access.factories import PASSWORD


def test_sign_in_failure_and_sign_out_are_recorded(client, make_user):
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL, username="sam")

    client.post(reverse("sign-in"), {"username": "sam", "password": "wrong-password-here"})
    client.post(reverse("sign-in"), {"username": "sam", "password": PASSWORD})
    client.post(reverse("sign-out"))

    events = list(AuditEvent.objects.order_by("id"))
    assert [e.event_type for e in events] == [
        AuditEvent.Type.SIGN_IN_FAILED,
        AuditEvent.Type.SIGNED_IN,
        AuditEvent.Type.SIGNED_OUT,
    ]
    failed, signed_in, signed_out = events
    assert failed.actor is None
    assert failed.actor_label == "sam"
    assert failed.outcome == AuditEvent.Outcome.FAILURE
    assert "wrong-password-here" not in str(failed.details)
    assert failed.ip_address == "127.0.0.1"
    for event in (signed_in, signed_out):
        assert event.actor == officer
        assert event.organisation == officer.organisation
        assert event.outcome == AuditEvent.Outcome.SUCCESS


def test_users_of_a_suspended_partner_cannot_sign_in(client, make_user):
    from datetime import timedelta

    from django.utils import timezone

    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL, username="kim")
    organisation = officer.organisation
    organisation.suspended_from = timezone.now() - timedelta(hours=1)
    organisation.suspension_reason = "Under investigation"
    organisation.save()

    response = client.post(reverse("sign-in"), {"username": "kim", "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_time_out_is_recorded_as_such_and_not_as_a_sign_out(client, make_user):
    import time

    from access.sessions import LAST_ACTIVITY

    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    client.force_login(officer)
    session = client.session
    session[LAST_ACTIVITY] = time.time() - 31 * 60
    session.save()

    assert client.get(reverse("dashboard")).status_code == 302
    kinds = list(AuditEvent.objects.filter(actor=officer).values_list("event_type", flat=True))
    assert AuditEvent.Type.SESSION_EXPIRED in kinds
    assert AuditEvent.Type.SIGNED_OUT not in kinds
