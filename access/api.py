"""DRF permission classes. The default allows nothing: every endpoint declares its own."""

from rest_framework.permissions import BasePermission

from . import policy


class AllowNone(BasePermission):
    def has_permission(self, request, view) -> bool:
        return False


class PartnershipUser(BasePermission):
    """A signed-in, enabled user of an organisation that may use the system.

    Which records they reach is the policy's answer, applied by the view's queryset and
    getter; out-of-scope records answer 404, never 403 (V5).
    """

    def has_permission(self, request, view) -> bool:
        return policy.may_use_system(request.user)


class ReportingUser(BasePermission):
    """The ad-hoc reporting module's API (S2): analysts and administrators only."""

    def has_permission(self, request, view) -> bool:
        return policy.may_use_reporting(request.user)
