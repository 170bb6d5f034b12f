"""Notifications: written with their cause, delivered by Celery, never twice (SPEC W3, R2, R3,
§16, §17).

A notification is an `Alert` row: the recipient's in-app inbox entry, and the outbox of its
e-mail. `notify` writes it inside the caller's transaction, so it exists exactly when its
cause does (a High assessment, an overdue victim update) and nothing is lost while Redis or
the worker is down. Its `key` names the cause and is unique: a sweep that runs twice, or two
sweeps at once, write it once.

The e-mail goes after commit, through the `deliver_notification` task; `deliver_pending`
(Celery beat) picks up whatever was written while the broker was down. Delivery is
at-least-once on the Celery side (acks_late, retries, a killed worker's message redelivered)
and made once-only here:

- a task claims the row with a conditional UPDATE, under its own task id. A second task for
  the same row (the outbox sweep and the original, or a duplicated message) finds the claim
  and sends nothing;
- the same task redelivered after its worker was killed carries the same id, so it may take
  its own claim back and send; a claim whose task never returns lapses after CLAIM_LEASE and
  the sweep sends it;
- the row is marked sent after the mail server accepts the message. Only a worker killed in
  the instant between the two could send twice; the e-mail's Message-ID is derived from the
  key, so mail systems that de-duplicate on it show one message even then.

The e-mail carries no personal data (W3): the URN (not even that for a Confidential case),
the kind of notification and a link.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from access import policy
from access.models import User
from audit.models import AuditEvent
from audit.services import record_event

from ..models import Alert, Incident

Kind = Alert.Kind

# A claim older than this belongs to a task that died: the outbox sweep may send the e-mail.
# Far longer than a send can take (EMAIL_TIMEOUT), far shorter than anyone would wait.
CLAIM_LEASE = timedelta(minutes=10)
# The sweep leaves fresh notifications to the task queued when they were written.
SWEEP_GRACE = timedelta(minutes=1)
# Older news is not news: an e-mail that could not go for a week is left to the inbox.
SWEEP_HORIZON = timedelta(days=7)

# What the e-mail says about each kind, and whether its link goes to the case (otherwise to
# the inbox, where the notification says which task or case it is about).
_ABOUT = {
    Kind.TASK_ASSIGNED: ("A task has been assigned to you", False),
    Kind.TASK_DUE: ("A task assigned to you is due", False),
    Kind.TASK_OVERDUE: ("A task assigned to you is overdue", False),
    Kind.HIGH_RISK: ("A case your organisation leads has been assessed as High risk", True),
    Kind.VICTIM_UPDATE_DUE: ("A victim update is due on a case you lead", True),
    Kind.VICTIM_UPDATE_OVERDUE: ("A victim update is overdue on a case you lead", True),
    Kind.VICTIM_UPDATE_ESCALATED: (
        "A victim update is overdue on a case your organisation leads",
        True,
    ),
}


def notify(
    incident: Incident,
    *,
    recipient: User,
    kind: str,
    key: str,
    sender: User | None = None,
    message: str = "",
) -> Alert | None:
    """Write a notification for `recipient`, once per `key`, in the current transaction, and
    queue its e-mail for after the commit. LOW LEVEL: the caller decides who is told (through
    the policy). Returns the new alert, or None when this cause has already notified them.
    Audits ALERT_SENT."""
    with transaction.atomic():
        if Alert.objects.filter(key=key).exists():
            return None
        alert = Alert(
            key=key,
            incident=incident,
            kind=kind,
            sender=sender,
            recipient=recipient,
            message=(message or "").strip(),
        )
        alert._history_user = sender
        try:
            with transaction.atomic():
                alert.save()
        except IntegrityError:
            return None  # a concurrent sweep wrote it between our look and our write
        record_event(
            AuditEvent.Type.ALERT_SENT,
            actor=sender,
            actor_label="" if sender else "system",
            target=("incident", incident.urn),
            details={"alert": alert.pk, "kind": kind, "recipient": recipient.pk, "key": key},
        )
        transaction.on_commit(lambda: _queue_email(alert.pk), robust=True)
    return alert


# How an e-mail is handed to Celery: the `deliver_notification` task's `delay`, installed by
# the incidents app when it is ready (incidents.apps), since the task module imports this one.
email_queue = None


def _queue_email(alert_id: int) -> None:
    """Hand the e-mail to Celery. If Redis is down this raises, `on_commit(robust=True)` logs
    it, the user's work stands, and `deliver_pending` sends the e-mail later."""
    if email_queue is None:
        raise RuntimeError("No e-mail queue: the incidents app is not ready.")
    email_queue(alert_id)


# --- The e-mail ---------------------------------------------------------------------------


def site_url() -> str:
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def alert_email(alert: Alert) -> tuple[str, str]:
    """The subject and body of a notification's e-mail: the URN, the kind and a link, nothing
    else (W3). A Confidential incident's e-mail does not even name the URN (V4)."""
    confidential = alert.incident.is_confidential
    about, link_to_case = _ABOUT.get(alert.kind, ("", True))
    if confidential or not link_to_case:
        link = site_url() + reverse("inbox")
    else:
        link = site_url() + reverse("incident-detail", args=[alert.incident.urn])
    text = render_to_string(
        "emails/alert.txt",
        {
            "urn": "" if confidential else alert.incident.urn,
            "kind": alert.get_kind_display(),
            "about": about,
            "link": link,
            "service_name": settings.SERVICE_NAME,
        },
    )
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def message_id(alert: Alert) -> str:
    """The same Message-ID for every attempt at one notification, so that a mail system that
    de-duplicates on it shows a repeated send once."""
    digest = hashlib.sha256(alert.key.encode()).hexdigest()[:32]
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<{digest}@{domain}>"


def email_notification(alert_id: int, *, claim: str) -> bool:
    """Send one notification's e-mail, at most once however often this runs (see the module
    docs). `claim` is the delivering task's id. Returns whether this run sent it; raises
    when the mail server fails (the claim is released first, so a retry can send)."""
    alert = (
        Alert.objects.select_related("incident", "recipient__organisation")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None or alert.emailed_at is not None:
        return False
    if not alert.recipient.email or not policy.may_use_system(alert.recipient):
        return False
    now = timezone.now()
    claimed = (
        Alert.objects.filter(pk=alert_id, emailed_at__isnull=True)
        .filter(
            Q(email_claimed_by="")
            | Q(email_claimed_by=claim)
            | Q(email_claimed_at__lt=now - CLAIM_LEASE)
        )
        .update(email_claimed_by=claim, email_claimed_at=now)
    )
    if not claimed:
        return False
    subject, body = alert_email(alert)
    email = EmailMessage(
        subject, body, to=[alert.recipient.email], headers={"Message-ID": message_id(alert)}
    )
    try:
        email.send(fail_silently=False)
    except Exception:
        Alert.objects.filter(pk=alert_id, email_claimed_by=claim).update(
            email_claimed_by="", email_claimed_at=None
        )
        raise
    Alert.objects.filter(pk=alert_id, email_claimed_by=claim).update(emailed_at=timezone.now())
    return True


def pending_email_ids(*, grace: timedelta = SWEEP_GRACE) -> list[int]:
    """Notifications whose e-mail has not gone and that no live task is sending: written
    while the broker was down, or claimed by a task that died. The outbox the beat drains."""
    now = timezone.now()
    return list(
        Alert.objects.filter(
            emailed_at__isnull=True,
            created_at__lt=now - grace,
            created_at__gte=now - SWEEP_HORIZON,
        )
        .filter(Q(email_claimed_by="") | Q(email_claimed_at__lt=now - CLAIM_LEASE))
        .exclude(recipient__email="")
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
