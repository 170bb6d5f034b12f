"""Capabilities: what a user's group (and organisation's standing) lets them do at all,
whatever the record. Every "may this kind of user ..." question is answered here, once; the
record-level rules (which incidents, people, registers ...) are in the other modules of
this package and start from these.
"""

from __future__ import annotations

from django.conf import settings

from access.models import UserGroup


def may_use_system(user) -> bool:
    """Signed in, enabled, and their organisation neither inactive nor suspended (T4)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.organisation.may_use_system()
    )


def works_cases(user) -> bool:
    """Whether the user works cases at all: everyone but basic users, who log a skeleton
    complaint and alert someone to it, and nothing else (G1). Working cases means leading
    them, raising tasks and alerts, the full complaint (risk), adding people through the
    API."""
    return user.group != UserGroup.BASIC


def may_log_complaints(user) -> bool:
    """Logging a complaint (a skeleton one for basic users; analysts only if granted G2): the
    group's model permission. (Who may use the system at all is checked at sign-in and on
    every request.)"""
    return user.has_perm("incidents.add_incident")


def may_close_cases(user) -> bool:
    """Approving or returning closures, reopening (K2, K3): the group's right; which cases
    is the `close` and `reopen` rules'."""
    return user.has_perm("incidents.close_incident")


def supervises_cases(user) -> bool:
    """Enhanced users and administrators supervise their organisation's cases (the
    dashboard's closure queue, High-risk monitoring and victim updates, R2, R3)."""
    return user.group in (UserGroup.ENHANCED, UserGroup.ADMINISTRATOR)


def task_permissions(user, task, *, can_view, can_edit) -> dict[str, bool]:
    """What `user` may do to an open task - the one statement of the task rules, for the
    task page's buttons and for the services that act. `can_view` and `can_edit` are
    callables answering for the task's incident, asked only when the answer depends on them.

    complete  its assignee, or anyone who may edit the incident;
    cancel    whoever raised it (while they may see the incident), or anyone who may edit it;
    reassign  its assignee or whoever raised it (while they may see the incident), or anyone
              who may edit it - never a basic user.
    """
    mine = task.assigned_to_id == user.pk
    raised = task.assigned_by_id == user.pk
    return {
        "complete": mine or can_edit(),
        "cancel": (raised and can_view()) or can_edit(),
        "reassign": works_cases(user) and (((mine or raised) and can_view()) or can_edit()),
    }


def _is_administrator(user) -> bool:
    return may_use_system(user) and user.group == UserGroup.ADMINISTRATOR


def may_search(user) -> bool:
    """Basic search (S1) - people, locations and incidents within the user's own scope - is
    for operational users and above."""
    return may_use_system(user) and user.group != UserGroup.BASIC


def may_use_reporting(user) -> bool:
    """The ad-hoc reporting module (S2, V2): analysts and administrators (administrators
    have every right super users have)."""
    return may_use_system(user) and user.group in (UserGroup.ANALYST, UserGroup.ADMINISTRATOR)


def may_merge_people(user) -> bool:
    """Merging duplicate people (and undoing a merge) is for administrators (SPEC P2)."""
    return may_use_system(user) and user.group == UserGroup.ADMINISTRATOR


def may_maintain_reference_data(user) -> bool:
    """The partnership's shared lists (PEN codes, risk questions, ...) are kept by
    administrators (SPEC M2)."""
    return may_use_system(user) and user.has_perm("incidents.maintain_reference_data")


def may_administer_users(user) -> bool:
    return _is_administrator(user)


def may_suspend_partners(user) -> bool:
    return _is_administrator(user) and user.manages_all_organisations


def requires_two_factor(user) -> bool:
    """TOTP is required of administrators and analysts, and of everyone when the deployment
    says so (SPEC §17)."""

    return bool(
        settings.TWO_FACTOR_REQUIRED_FOR_ALL
        or user.group in {UserGroup.ADMINISTRATOR, UserGroup.ANALYST}
    )


def may_review_audit(user) -> bool:
    return may_use_system(user) and user.group in {UserGroup.ADMINISTRATOR, UserGroup.ANALYST}


def may_keep_registers(user) -> bool:
    """The disclosure and breach registers are kept by administrators (A5, A6)."""
    return _is_administrator(user)


def may_review_retention(user) -> bool:
    return _is_administrator(user)


def may_see_inactive_records(user) -> bool:
    """The inactive-records report (D3): for the people who keep cases moving."""
    return may_use_system(user) and user.group in (
        UserGroup.ENHANCED,
        UserGroup.ANALYST,
        UserGroup.ADMINISTRATOR,
    )


def may_answer_subject_access(user) -> bool:
    return _is_administrator(user)


def may_change_account(administrator, user) -> bool:
    """Whether `administrator` may change `user` (one of manageable_users(administrator)):
    details, enable, disable, password, lockout, two-factor."""
    return may_administer_users(administrator) and (
        administrator.manages_all_organisations or not user.manages_all_organisations
    )
