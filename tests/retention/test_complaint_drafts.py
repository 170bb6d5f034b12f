"""Complaint drafts nobody finishes are purged by the nightly retention sweep once they have
not been touched for COMPLAINT_DRAFT_KEEP_DAYS (issue #24 item 3): a victim's details typed
into a complaint that is never submitted are not kept for ever."""

import datetime

import pytest
import time_machine
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from audit.models import AuditEvent
from complaints.services import add_person, save_section, start_draft
from incidents.models import ComplaintDraft
from retention.tasks import retention_sweep

from .no_trace import traces
from .planting import unique

DAY = datetime.timedelta(days=1)


def _draft_typed(officer, days_ago: float) -> tuple[ComplaintDraft, str]:
    """A complaint started and last typed into `days_ago` days ago, with a victim's notes."""
    with time_machine.travel(timezone.now() - days_ago * DAY, tick=False):
        draft = start_draft(by=officer)
        notes = unique("Afraid to go out after dark")
        save_section(
            draft, "details", {"description": unique("Shouting at night")}, complete=False
        )
        add_person(draft, {"role": "victim", "new": {"given_name": "Ann"}, "risk_notes": notes})
    return draft, notes


def test_the_default_keeps_an_unfinished_complaint_for_30_days():
    assert django_settings.COMPLAINT_DRAFT_KEEP_DAYS == 30


@pytest.mark.parametrize("keep_days", [30, 7])
def test_the_nightly_sweep_purges_drafts_untouched_for_longer(officer, settings, keep_days):
    settings.COMPLAINT_DRAFT_KEEP_DAYS = keep_days
    abandoned, abandoned_notes = _draft_typed(officer, keep_days + 1)
    recent, recent_notes = _draft_typed(officer, keep_days - 1)
    assert traces([abandoned_notes]) == {abandoned_notes: ["incidents_complaintdraft"]}

    outcome = retention_sweep.delay().get()  # the task Celery beat runs every night

    assert not ComplaintDraft.objects.filter(pk=abandoned.pk).exists()
    assert list(ComplaintDraft.objects.values_list("pk", flat=True)) == [recent.pk]
    assert outcome["complaint_drafts_purged"] == 1
    assert traces([abandoned_notes, recent_notes]) == {recent_notes: ["incidents_complaintdraft"]}
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.RETENTION_SWEEP)
    assert event.details["complaint_drafts_purged"] == 1
    # Running again purges nothing more.
    assert retention_sweep.delay().get()["complaint_drafts_purged"] == 0
    assert ComplaintDraft.objects.filter(pk=recent.pk).exists()


def test_the_purge_date_is_counted_from_the_last_change(officer, settings):
    settings.COMPLAINT_DRAFT_KEEP_DAYS = 30
    draft, _notes = _draft_typed(officer, 40)
    with time_machine.travel(timezone.now() - 2 * DAY, tick=False):
        save_section(draft, "initial_contact", {"received_via": "phone"}, complete=False)

    retention_sweep.delay().get()

    assert ComplaintDraft.objects.filter(pk=draft.pk).exists()


def test_the_owner_is_told_when_an_unfinished_complaint_will_be_deleted(client, officer, settings):
    settings.COMPLAINT_DRAFT_KEEP_DAYS = 30
    _draft_typed(officer, 10)
    last_day = timezone.localdate() + 20 * DAY

    client.force_login(officer)
    page = client.get(reverse("log-complaint")).content.decode()

    assert "Complaints you have not finished" in page
    assert f"Deleted after {date_format(last_day, 'j F Y')} unless you carry on with it" in page
