"""User administration and partner suspension (SPEC M1, G4, T4; §17).

Every function here is one administrator's action: it re-reads and locks the row it
changes, checks the policy again (a form may have been opened before the administrator lost
the right), writes, and records its audit event in the same transaction. Rules an
administrator can break by typing (a training level too low for the group, a suspension too
long) are ValidationErrors keyed by field; acting outside one's scope is PermissionDenied
(the views answer 404).

Events about a user are recorded against that user's organisation, and those about a
partner against that partner, so that an organisation's administrators see in its trail
what a deployment-wide administrator did to its accounts (the actor is still named).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.utils import reset as reset_axes_attempts
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django_otp.plugins.otp_totp.models import TOTPDevice

from access import policy
from access.models import Organisation, User, UserGroup
from access.session_registry import end_sessions
from audit.models import AuditEvent
from audit.services import record_event

# T4 (docs/requirements.md): a partner is suspended for up to 45 days after a serious
# security breach.
MAX_SUSPENSION = timedelta(days=45)

# What an administrator may change on the user's page (never the password or username).
EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "group",
    "training_level",
    "analyst_can_add_and_amend",
    "manages_all_organisations",
)
FIELD_NAMES = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email address",
    "group": "Group",
    "training_level": "Training level",
    "analyst_can_add_and_amend": "Analyst's add and amend rights",
    "manages_all_organisations": "Deployment-wide administrator",
}
ADMINISTRATOR_TRAINING = "An administrator must have completed training level 2 or 3."


@dataclass
class Change:
    field: str  # the field's name for people
    now: str  # its value now


class StaleUserEdit(Exception):
    """Someone changed the user after this administrator opened the form."""

    def __init__(self, changes: list[Change]):
        self.changes = changes
        super().__init__(f"{len(changes)} change(s) since the form was opened")


def _locked_user(by: User, user: User) -> User:
    """The user's row, re-read and locked for this transaction, if `by` may still change it."""
    found = policy.manageable_users(by).select_for_update().filter(pk=user.pk).first()
    if found is None or not policy.may_change_account(by, found):
        raise PermissionDenied
    return found


def _record(event_type, *, by: User, user: User, **fields) -> AuditEvent:
    return record_event(
        event_type,
        actor=by,
        target=("user", user.pk),
        organisation=user.organisation,
        **fields,
    )


def _display(user: User, name: str) -> str:
    value = getattr(user, name)
    if name == "group":
        return user.get_group_display()
    if name == "training_level":
        return user.get_training_level_display()
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value or "(blank)")


def snapshot(user: User) -> str:
    """The editable values as a string the edit form carries, to detect a stale save."""
    return json.dumps({name: getattr(user, name) for name in EDITABLE_FIELDS}, sort_keys=True)


def _check_roles(
    *,
    by: User,
    group: str,
    training_level: int,
    analyst_can_add_and_amend: bool,
    manages_all_organisations: bool,
) -> dict[str, str]:
    """The rules between group, training and the individual grants (G2, G4, M1), keyed by
    the field to change."""
    problems: dict[str, str] = {}
    if group not in UserGroup.values:
        problems["group"] = "Choose the user's group."
    if training_level not in User.TrainingLevel.values:
        problems["training_level"] = "Choose the user's training level."
    elif group == UserGroup.ADMINISTRATOR and training_level < User.TrainingLevel.LEVEL_2:
        problems["training_level"] = ADMINISTRATOR_TRAINING
    if analyst_can_add_and_amend and group != UserGroup.ANALYST:
        problems["analyst_can_add_and_amend"] = (
            "Only an analyst can be given add and amend rights: untick it, or choose the "
            "analyst group."
        )
    if manages_all_organisations and not by.manages_all_organisations:
        problems["manages_all_organisations"] = (
            "Only a deployment-wide administrator can make another."
        )
    elif manages_all_organisations and group != UserGroup.ADMINISTRATOR:
        problems["manages_all_organisations"] = (
            "Only an administrator can be a deployment-wide administrator: untick it, or "
            "choose the administrator group."
        )
    return problems


@transaction.atomic
def create_user(
    *,
    by: User,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    organisation: Organisation,
    group: str,
    training_level: int,
    analyst_can_add_and_amend: bool = False,
    manages_all_organisations: bool = False,
) -> User:
    """Create a user, disabled and without a password: they are enabled once their code of
    connection is confirmed (M1, G4), and given a password by an administrator."""
    if not policy.may_administer_users(by):
        raise PermissionDenied
    problems = _check_roles(
        by=by,
        group=group,
        training_level=training_level,
        analyst_can_add_and_amend=analyst_can_add_and_amend,
        manages_all_organisations=manages_all_organisations,
    )
    if not policy.manageable_organisations(by).filter(pk=organisation.pk).exists():
        problems["organisation"] = "Choose an organisation whose users you manage."
    username = username.strip()
    # Told apart only by case, two accounts would be mistaken for each other.
    if User.objects.filter(username__iexact=username).exists():
        problems["username"] = "A user with this username already exists: choose another."
    if problems:
        raise ValidationError(problems)
    user = User(
        username=username,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
        organisation=organisation,
        group=group,
        training_level=training_level,
        analyst_can_add_and_amend=analyst_can_add_and_amend,
        manages_all_organisations=manages_all_organisations,
        is_active=False,
    )
    user.set_unusable_password()
    user._history_user = by
    try:
        # A savepoint: a concurrent double submit loses the race on the unique username.
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError(
            {"username": "A user with this username already exists: choose another."}
        ) from None
    _record(
        AuditEvent.Type.USER_CREATED,
        by=by,
        user=user,
        details={
            "username": user.username,
            "organisation": organisation.pk,
            "group": group,
            "training_level": training_level,
            "analyst_can_add_and_amend": analyst_can_add_and_amend,
            "manages_all_organisations": manages_all_organisations,
        },
    )
    return user


@transaction.atomic
def update_user(user: User, *, by: User, original: str, **changes) -> list[str]:
    """Change a user's names, email, group, training level and grants. `original` is
    `snapshot(user)` as the administrator's form was opened: if the user has changed since,
    StaleUserEdit says what changed and nothing is saved (SPEC §16). Returns the names of
    the fields changed."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(sorted(unknown))
    user = _locked_user(by, user)
    try:
        before = json.loads(original)
    except (TypeError, ValueError):
        before = {}
    moved = [name for name in EDITABLE_FIELDS if before.get(name) != getattr(user, name)]
    if moved:
        raise StaleUserEdit([Change(FIELD_NAMES[name], _display(user, name)) for name in moved])
    wanted = {name: getattr(user, name) for name in EDITABLE_FIELDS} | changes
    problems = _check_roles(
        by=by,
        group=wanted["group"],
        training_level=wanted["training_level"],
        analyst_can_add_and_amend=wanted["analyst_can_add_and_amend"],
        manages_all_organisations=wanted["manages_all_organisations"],
    )
    if user.pk == by.pk:
        # An administrator who demoted themselves would lose this page half-way.
        if wanted["group"] != user.group:
            problems["group"] = "You cannot change your own group."
        if wanted["manages_all_organisations"] != user.manages_all_organisations:
            problems["manages_all_organisations"] = (
                "You cannot change whether you are a deployment-wide administrator."
            )
    if (
        wanted["manages_all_organisations"] != user.manages_all_organisations
        and not by.manages_all_organisations
    ):
        problems["manages_all_organisations"] = (
            "Only a deployment-wide administrator can change this."
        )
    if problems:
        raise ValidationError(problems)
    for name in ("first_name", "last_name", "email"):
        wanted[name] = wanted[name].strip()
    changed = [name for name in EDITABLE_FIELDS if wanted[name] != getattr(user, name)]
    if not changed:
        return []
    for name in changed:
        setattr(user, name, wanted[name])
    user._history_user = by
    user.save(update_fields=changed)
    _record(
        AuditEvent.Type.USER_UPDATED,
        by=by,
        user=user,
        details={"fields": changed},
    )
    return changed


@transaction.atomic
def enable_user(
    user: User,
    *,
    by: User,
    code_of_connection_signed: bool,
    training_level: int,
) -> bool:
    """Enable a user once the administrator confirms the user has signed the code of
    connection, with their training level (M1, G4). Returns False (and changes nothing) if
    the user was already enabled."""
    user = _locked_user(by, user)
    if user.is_active:
        return False
    problems: dict[str, str] = {}
    if not code_of_connection_signed:
        problems["code_of_connection_signed"] = (
            "Confirm that the user has signed the code of connection. A user cannot be "
            "enabled without it."
        )
    if training_level not in User.TrainingLevel.values:
        problems["training_level"] = "Choose the user's training level."
    elif user.group == UserGroup.ADMINISTRATOR and training_level < User.TrainingLevel.LEVEL_2:
        problems["training_level"] = ADMINISTRATOR_TRAINING
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    previous_training = user.training_level
    user.training_level = training_level
    user.code_of_connection_confirmed_by = by
    user.code_of_connection_confirmed_at = now
    user.is_active = True
    user._history_user = by
    user.save(
        update_fields=[
            "training_level",
            "code_of_connection_confirmed_by",
            "code_of_connection_confirmed_at",
            "is_active",
        ]
    )
    _record(
        AuditEvent.Type.CODE_OF_CONNECTION_CONFIRMED,
        by=by,
        user=user,
        details={"confirmed_at": now.isoformat()},
    )
    if training_level != previous_training:
        _record(
            AuditEvent.Type.USER_UPDATED,
            by=by,
            user=user,
            details={"fields": ["training_level"]},
        )
    _record(
        AuditEvent.Type.USER_ENABLED,
        by=by,
        user=user,
        details={"training_level": training_level, "has_password": user.has_usable_password()},
    )
    return True


@transaction.atomic
def disable_user(user: User, *, by: User, reason: str) -> bool:
    """Disable a user and end every session they hold at once (SPEC §17): their next request
    is anonymous. Returns False if they were already disabled."""
    user = _locked_user(by, user)
    reason = reason.strip()
    if user.pk == by.pk:
        raise ValidationError("You cannot disable your own account.")
    if not user.is_active:
        return False
    if not reason:
        raise ValidationError({"reason": "Enter why the user is being disabled."})
    user.is_active = False
    user._history_user = by
    user.save(update_fields=["is_active"])
    ended = end_sessions([user.pk])
    _record(
        AuditEvent.Type.USER_DISABLED,
        by=by,
        user=user,
        justification=reason,
        details={"sessions_ended": ended},
    )
    return True


@transaction.atomic
def set_password(user: User, *, by: User, password: str) -> None:
    """Give the user a new password, which they must change when they next sign in (SPEC
    §17). Their sessions end and any lockout is cleared. The password is never recorded."""
    user = _locked_user(by, user)
    if user.pk == by.pk:
        # Their own password is changed from their account page, knowing the current one.
        raise ValidationError(
            "You cannot set your own password here: change it from your account page."
        )
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user.set_password(password)
    user.must_change_password = True
    user._history_user = by
    user.save(update_fields=["password", "must_change_password"])
    ended = end_sessions([user.pk])
    cleared = reset_axes_attempts(username=user.username)
    _record(
        AuditEvent.Type.PASSWORD_SET,
        by=by,
        user=user,
        details={"sessions_ended": ended, "lockout_cleared": bool(cleared)},
    )


@transaction.atomic
def unlock_account(user: User, *, by: User) -> bool:
    """Clear the sign-in lockout of the account (django-axes' recorded failures for its
    username). Returns False if there was nothing to clear."""
    user = _locked_user(by, user)
    cleared = reset_axes_attempts(username=user.username)
    if not cleared:
        return False
    _record(
        AuditEvent.Type.ACCOUNT_UNLOCKED,
        by=by,
        user=user,
        details={"failures_cleared": cleared},
    )
    return True


@transaction.atomic
def reset_two_factor(user: User, *, by: User, reason: str) -> int:
    """Remove the user's authenticator app (TOTP devices), so that they set it up again at
    their next sign-in, and end their sessions. Returns how many devices were removed."""
    user = _locked_user(by, user)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Enter why two-factor authentication is being reset."})
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    ended = end_sessions([user.pk])
    _record(
        AuditEvent.Type.TWO_FACTOR_RESET,
        by=by,
        user=user,
        justification=reason,
        details={"devices_removed": removed, "sessions_ended": ended},
    )
    return removed


# --- Partners (T4) ------------------------------------------------------------------------------


def _locked_organisation(by: User, organisation: Organisation) -> Organisation:
    found = (
        policy.suspendable_organisations(by).select_for_update().filter(pk=organisation.pk).first()
    )
    if found is None:
        raise PermissionDenied
    return found


def suspension_problems(
    starts: datetime | None, ends: datetime | None, reason: str, now: datetime
) -> dict[str, str]:
    problems: dict[str, str] = {}
    starts = max(starts or now, now)
    if ends is None:
        problems["ends"] = "Enter when the suspension ends."
    elif ends <= starts:
        problems["ends"] = "The suspension must end after it starts."
    elif ends - starts > MAX_SUSPENSION:
        problems["ends"] = (
            "A partner can be suspended for at most 45 days: enter an end no later than "
            f"{date_format(timezone.localtime(starts + MAX_SUSPENSION), 'j F Y H:i')}."
        )
    if not reason.strip():
        problems["reason"] = "Enter why the partner is being suspended."
    return problems


@transaction.atomic
def suspend_organisation(
    organisation: Organisation,
    *,
    by: User,
    ends: datetime,
    reason: str,
    starts: datetime | None = None,
) -> Organisation:
    """Suspend a partner from `starts` (now if not given, or if in the past) until `ends`,
    at most 45 days (T4). None of its users can sign in or use the API in the
    period, and they are told why (T4); if it starts now, their sessions end at once.
    Suspending a partner already suspended replaces the period. Its data stays available to
    the other partners."""
    organisation = _locked_organisation(by, organisation)
    now = timezone.now()
    if problems := suspension_problems(starts, ends, reason, now):
        raise ValidationError(problems)
    starts = max(starts or now, now)
    previous = (
        {
            "from": organisation.suspended_from.isoformat(),
            "until": organisation.suspended_until.isoformat()
            if organisation.suspended_until
            else None,
        }
        if organisation.suspended_from
        else None
    )
    organisation.suspended_from = starts
    organisation.suspended_until = ends
    organisation.suspension_reason = reason.strip()
    organisation._history_user = by
    organisation.save(update_fields=["suspended_from", "suspended_until", "suspension_reason"])
    ended = 0
    if starts <= now:
        ended = end_sessions(organisation.users.values_list("pk", flat=True))
    record_event(
        AuditEvent.Type.ORGANISATION_SUSPENDED,
        actor=by,
        target=("organisation", organisation.pk),
        organisation=organisation,
        justification=organisation.suspension_reason,
        details={
            "from": starts.isoformat(),
            "until": ends.isoformat(),
            "replaces": previous,
            "sessions_ended": ended,
        },
    )
    return organisation


def has_suspension(organisation: Organisation, now: datetime | None = None) -> bool:
    """Suspended now, or a suspension is planned."""
    now = now or timezone.now()
    return organisation.suspended_from is not None and (
        organisation.suspended_until is None or organisation.suspended_until > now
    )


@transaction.atomic
def lift_suspension(organisation: Organisation, *, by: User, reason: str) -> bool:
    """End a partner's suspension (current or planned) now. Returns False if it had none."""
    organisation = _locked_organisation(by, organisation)
    if not has_suspension(organisation):
        return False
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the suspension is being lifted."})
    lifted = {
        "from": organisation.suspended_from.isoformat(),
        "until": organisation.suspended_until.isoformat()
        if organisation.suspended_until
        else None,
        "reason": organisation.suspension_reason,
    }
    organisation.suspended_from = None
    organisation.suspended_until = None
    organisation.suspension_reason = ""
    organisation._history_user = by
    organisation.save(update_fields=["suspended_from", "suspended_until", "suspension_reason"])
    record_event(
        AuditEvent.Type.SUSPENSION_LIFTED,
        actor=by,
        target=("organisation", organisation.pk),
        organisation=organisation,
        justification=reason.strip(),
        details={"lifted": lifted},
    )
    return True
