"""Two-factor authentication with time-based codes (TOTP, django-otp; SPEC M3, §17).

Required of administrators and analysts, and of everyone when TWO_FACTOR_REQUIRED_FOR_ALL
is set (`policy.requires_two_factor`); anyone else may set it up from their account page,
and is then asked for a code at every sign-in too.

A user has at most one confirmed TOTPDevice. Setting up keeps the new secret in the session
until the user proves their app has it by entering a code; only then is the device stored,
confirmed, with that code's time step as its last used one. django-otp refuses a code whose
time step is not later than the last accepted one (`TOTPDevice.last_t`), so a code cannot be
used twice, and it slows down guessing (exponential back-off per device).
"""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify

import segno
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from audit.models import AuditEvent
from audit.services import record_event

from . import policy
from .signin import renew_session_key

# In the session: whether the signed-in user had a confirmed device at sign-in (so that
# users for whom two-factor is optional are asked for a code without a query per request),
# and the secret of a set-up not yet confirmed.
HAS_DEVICE = "access_two_factor_device"
PENDING_KEY = "access_two_factor_pending_key"
DEVICE_NAME = "Authenticator app"


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("-id").first()


@receiver(user_logged_in, dispatch_uid="access.remember_second_factor")
def remember_second_factor(sender, request, user, **kwargs):
    """At every sign-in, note in the session whether the user must also enter a code."""
    session = getattr(request, "session", None)
    if session is not None:
        session[HAS_DEVICE] = TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def needs_second_factor(request) -> bool:
    user = request.user
    return policy.requires_two_factor(user) or bool(request.session.get(HAS_DEVICE))


def is_verified(request) -> bool:
    check = getattr(request.user, "is_verified", None)
    return bool(check and check())


# --- Setting up --------------------------------------------------------------------------------


def pending_key(request) -> str:
    """The secret being set up in this session (hex), made on first use."""
    key = request.session.get(PENDING_KEY)
    if not key:
        key = default_key()
        request.session[PENDING_KEY] = key
    return key


def secret_for_typing(key: str) -> str:
    """The secret as authenticator apps ask for it: base32, in groups of four."""
    text = b32encode(unhexlify(key)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_code_svg(user, key: str) -> str:
    """The otpauth:// address of the secret as an inline SVG QR code (no script, no
    external image, nothing for the Content-Security-Policy to refuse)."""
    device = TOTPDevice(user=user, key=key)
    qr = segno.make(device.config_url, error="m")
    svg = qr.svg_inline(scale=5, border=4, dark="#0b0c0c", light="#ffffff", svgclass="app-qr")
    label = escape(f"QR code for setting up {settings.OTP_TOTP_ISSUER} in an authenticator app")
    return mark_safe(  # noqa: S308 - segno's own SVG markup plus an escaped label
        svg.replace("<svg ", f'<svg role="img" aria-label="{label}" focusable="false" ', 1)
    )


@transaction.atomic
def enrol(user, *, key: str, token: str, request) -> TOTPDevice | None:
    """Confirm the set-up of `key` with a code from the user's app. On success the device
    replaces any earlier one, this session counts as verified and TWO_FACTOR_ENROLLED is
    written; a wrong code writes TWO_FACTOR_FAILED and returns None."""
    device = TOTPDevice(user_id=user.pk, name=DEVICE_NAME, key=key, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    try:
        matched = totp.verify(int(token), device.tolerance)
    except ValueError:
        matched = False
    if not matched:
        record_event(
            AuditEvent.Type.TWO_FACTOR_FAILED,
            actor=user,
            request=request,
            target=("user", user.pk),
            outcome=AuditEvent.Outcome.FAILURE,
            details={"step": "set-up"},
        )
        return None
    device.last_t = totp.t()  # the code just used cannot be used again
    device.drift = totp.drift
    replaced, _ = TOTPDevice.objects.filter(user_id=user.pk).delete()
    device.save()
    request.session.pop(PENDING_KEY, None)
    otp_login(request, device)
    request.session[HAS_DEVICE] = True
    renew_session_key(request)
    record_event(
        AuditEvent.Type.TWO_FACTOR_ENROLLED,
        actor=user,
        request=request,
        target=("user", user.pk),
        details={"device": device.pk, "replaced_earlier": bool(replaced)},
    )
    return device


# --- The code at sign-in -----------------------------------------------------------------------


@transaction.atomic
def verify(user, device: TOTPDevice, *, token: str, request) -> tuple[bool, int]:
    """Check a code at sign-in: (accepted, seconds to wait before the next try).

    Accepted: the session is verified (its key renewed) and TWO_FACTOR_VERIFIED written.
    Refused - wrong, already used, or too soon after wrong ones (django-otp's back-off, when
    the seconds to wait are above 0): TWO_FACTOR_FAILED."""
    locked = TOTPDevice.objects.select_for_update().filter(pk=device.pk).first()
    allowed, why = locked.verify_is_allowed() if locked is not None else (False, None)
    wait = 0
    if locked is None:  # removed meanwhile (an administrator reset it)
        verified = None
    elif not allowed:
        wait = 1
        if why and why.get("locked_until"):
            wait = max(1, int((why["locked_until"] - timezone.now()).total_seconds()) + 1)
        verified = None
    else:
        verified = verify_token(user, locked.persistent_id, token)
    if verified is None:
        record_event(
            AuditEvent.Type.TWO_FACTOR_FAILED,
            actor=user,
            request=request,
            target=("user", user.pk),
            outcome=AuditEvent.Outcome.FAILURE,
            details={"step": "sign-in", "throttled": bool(wait)},
        )
        return False, wait
    otp_login(request, verified)
    renew_session_key(request)
    record_event(
        AuditEvent.Type.TWO_FACTOR_VERIFIED,
        actor=user,
        request=request,
        target=("user", user.pk),
    )
    return True, 0
