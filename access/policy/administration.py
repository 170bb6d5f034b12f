"""Administration (M1, G4, T4): administrators act on the users of their own organisation;
a deployment-wide administrator (User.manages_all_organisations) on every organisation's, and
alone suspends partners. A deployment-wide administrator's account is changed only by
another deployment-wide administrator: otherwise an administrator of the host organisation
could set its password and take over powers over every partner.
"""

from __future__ import annotations

from access.models import Organisation, User

from .capabilities import _is_administrator, may_change_account, may_suspend_partners
from .getters import deny, is_key


def manageable_organisations(user):
    """The organisations whose users `user` may create, enable, disable and reset."""

    if not _is_administrator(user):
        return Organisation.objects.none()
    if user.manages_all_organisations:
        return Organisation.objects.all()
    return Organisation.objects.filter(pk=user.organisation_id)


def manageable_users(user):

    if not _is_administrator(user):
        return User.objects.none()
    if user.manages_all_organisations:
        return User.objects.all()
    return User.objects.filter(organisation_id=user.organisation_id)


def get_user_for_administrator(administrator, pk, *, request=None, lock: bool = False):
    """One user the administrator may manage, or 404 (missing and out of scope alike, V5)."""
    queryset = manageable_users(administrator).select_related("organisation")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    found = queryset.filter(pk=pk).first() if is_key(pk) else None
    if found is None:
        deny(administrator, request, ("user", pk), "administer")
    return found


def suspendable_organisations(user):
    """Every partner but the administrator's own (suspending it would lock them out too)."""

    if not may_suspend_partners(user):
        return Organisation.objects.none()
    return Organisation.objects.exclude(pk=user.organisation_id)


def get_organisation_for_suspension(user, pk, *, request=None, lock: bool = False):
    queryset = suspendable_organisations(user)
    if lock:
        queryset = queryset.select_for_update()
    found = queryset.filter(pk=pk).first() if is_key(pk) else None
    if found is None:
        deny(user, request, ("organisation", pk), "suspend")
    return found


def get_user_to_change(administrator, pk, *, request=None, lock: bool = False):
    """One user whose account the administrator may change, or 404 (logged), as
    get_user_for_administrator."""
    found = get_user_for_administrator(administrator, pk, request=request, lock=lock)
    if not may_change_account(administrator, found):
        deny(administrator, request, ("user", str(found.pk)), "change account")
    return found
