"""Two-factor codes for tests: a TOTP device for a user, and the next code it will accept.

A code is accepted once: django-otp remembers the time step of the last accepted code
(`TOTPDevice.last_t`) and refuses any at or before it. When a test signs the same user in
twice within one 30-second step, `next_code` uses the next step instead, which the device's
tolerance (one step either side) accepts; when that one is used too it waits for the clock.
"""

from __future__ import annotations

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def give_totp_device(user) -> TOTPDevice:
    """The user's confirmed TOTP device, made if they have none (as if they had set it
    up)."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test phone", confirmed=True)
    return device


def code_at(device: TOTPDevice, t: int) -> str:
    """The code of time step `t` (counted as the device counts, drift included)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
    totp.drift = t - ((int(totp.time) - device.t0) // device.step)
    return f"{totp.token():0{device.digits}d}"


def current_step(device: TOTPDevice) -> int:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return totp.t()


def next_code(device: TOTPDevice, *, wait: bool = True) -> str:
    """A code the device accepts now and has not accepted before."""
    for _ in range(3):
        device.refresh_from_db()
        now = current_step(device)
        wanted = max(now, device.last_t + 1)
        if wanted <= now + device.tolerance:
            return code_at(device, wanted)
        if not wait:
            break
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.2)
    raise AssertionError("No unused two-factor code in the device's window (is time frozen?)")
