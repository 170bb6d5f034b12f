"""Authentication and model permissions for partnership users.

A user's model permissions are those of the Django auth Group named by `user.group` (one
group per user, so `user.groups` is not used), plus add/amend rights for an analyst granted
them (G2). Disabled users and users of an inactive or suspended organisation cannot
authenticate, and an existing session stops working on its next request (T4).
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from .models import User, UserGroup

ANALYST_GRANT = ("add_incident", "change_incident")


class PartnershipBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and user.organisation.may_use_system()

    def get_user(self, user_id):
        user = User._default_manager.select_related("organisation").filter(pk=user_id).first()
        if user is not None and self.user_can_authenticate(user):
            return user
        return None

    def _get_user_permissions(self, user_obj):
        if user_obj.group == UserGroup.ANALYST and user_obj.analyst_can_add_and_amend:
            return Permission.objects.filter(
                content_type__app_label="incidents", codename__in=ANALYST_GRANT
            )
        return Permission.objects.none()

    def _get_group_permissions(self, user_obj):
        return Permission.objects.filter(group__name=user_obj.group)
