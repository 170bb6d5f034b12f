"""THE access policy: who may see, edit or close which incident (SPEC T5, G1-G3, V1-V6).

Every list, detail page, API endpoint, search, export, PDF, download and notification asks
this module; nothing else filters incidents by organisation or area. The rules are written
once, as a database condition per action (`incident_scope`), so that:

- a list is `Incident.objects.for_user(user, action)`;
- a yes/no for one record (`can`) is that same condition applied to that record;
- a detail page uses `get_incident_for_user`, which answers 404 for a record that is missing
  and for one that is out of scope alike (V5), and writes the audit event either way.

The rules, read plainly (docs/access-model.md; requirement codes in docs/requirements.md):

view    Basic users: nothing (G1). Everyone else: incidents in an area covered by their
        organisation's jurisdiction (for the police: the force area, G3), or that they
        created; plus, whatever the marking, incidents they lead, that their
        organisation leads, that are explicitly shared with them or their organisation, or
        on which they hold an open task (W2: the task is the share, and it ends with it).
        Confidential incidents drop the first group: only the lead officer, the lead
        organisation, explicit shares and task holders see them (V4).
edit    Users whose group may amend (operational, enhanced, administrator, and analysts
        granted add/amend rights - G2), on incidents they may view and that are not closed,
        which they created, lead, their organisation leads, lie in their organisation's
        jurisdiction (V3), are shared with them for editing, or hold an open task on.
submit  Users whose group may submit for closure (not basic users or analysts), on open
        incidents they may edit (K1).
close   Enhanced users and administrators of the lead organisation, on incidents submitted
        for closure (K2): approve or return.
reopen  The same people, on closed incidents (K3).
retain  Enhanced users and administrators of the lead organisation (deployment-wide
        administrators: of any organisation of their partnership), whatever the status, on
        incidents they may view: change the incident's deletion flag and legal hold (D1).

report  The ad-hoc reporting module (S2, V2): analysts and administrators see every incident
        of their own partnership there (T6), except Confidential incidents they could not
        view anyway (V4), and anything else they may view. Only the module's pages and API
        use this action; everywhere else analysts are read-only users of their own
        organisation.
"""

from enum import StrEnum

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.db.models.functions import Length, Substr

from access.models import Area, Jurisdiction, Organisation, User, UserGroup
from incidents.models import (
    ComplaintDraft,
    Incident,
    IncidentOrganisationShare,
    IncidentUserShare,
    Task,
)

from .capabilities import may_use_reporting, may_use_system


class Action(StrEnum):
    VIEW = "view"
    EDIT = "edit"
    SUBMIT = "submit"
    CLOSE = "close"
    REOPEN = "reopen"
    REPORT = "report"
    RETAIN = "retain"


# An always-false condition. Django drops an empty Q() when it is OR-ed with another, so
# "nothing" and "everything" must be real conditions, never Q().
NOTHING = Q(pk__in=[])


EVERYTHING = Q(pk__isnull=False)


def covered_areas(organisation):
    """Every area inside the organisation's jurisdiction: each covered area and its subtree.

    One subquery, no round trip: an area is covered when some jurisdiction area's path is a
    prefix of its own materialised path.
    """
    prefix_of_candidate = Substr(OuterRef("path"), 1, Length("area__path"))
    return Area.objects.filter(
        Exists(
            Jurisdiction.objects.filter(organisation_id=organisation.pk).filter(
                area__path=prefix_of_candidate
            )
        )
    )


def _in_jurisdiction(organisation) -> Q:
    return Q(area__in=covered_areas(organisation).values("pk"))


def _root(path_expression):
    return Substr(path_expression, 1, Area.steplen)


def _partnership_roots(organisation):
    """The roots of the area tree under which the organisation's jurisdiction lies."""
    return (
        Jurisdiction.objects.filter(organisation_id=organisation.pk)
        .annotate(root=_root("area__path"))
        .values("root")
    )


def partnership_areas(organisation):
    """Every area of the organisation's partnership (one subquery, no round trip)."""
    return Area.objects.annotate(root=_root("path")).filter(
        root__in=_partnership_roots(organisation)
    )


def _in_partnership(organisation) -> Q:
    return Q(area__in=partnership_areas(organisation).values("pk"))


def partnership_organisations(organisation):
    """The organisations of the same partnership (an organisation with no jurisdiction is in
    none, and is only ever its own partner)."""

    partners = (
        Jurisdiction.objects.annotate(root=_root("area__path"))
        .filter(root__in=_partnership_roots(organisation))
        .values("organisation_id")
    )
    return Organisation.objects.filter(Q(pk__in=partners) | Q(pk=organisation.pk))


def partnership_users(user):
    """The users of the user's partnership, for choice lists (tasks, alerts, shares)."""

    return User.objects.filter(organisation__in=partnership_organisations(user.organisation))


def in_partnership_of(area) -> Q:
    """Incidents of the same partnership as `area` (for counts about a case that must not
    count another partnership's records, such as repeats at one place)."""
    return Q(area__path__startswith=area.path[: Area.steplen])


def recording_areas(user):
    """The leaf areas a user may record an incident in: those of their partnership."""
    return partnership_areas(user.organisation).filter(numchild=0).order_by("name")


def _shared(user, codenames: tuple[str, ...]) -> Q:
    """Explicit shares (django-guardian rows) with the user or with their organisation."""

    condition = Q(
        Exists(
            IncidentUserShare.objects.filter(
                content_object=OuterRef("pk"), user_id=user.pk, permission__codename__in=codenames
            )
        )
    )
    share_group_id = user.organisation.share_group_id
    if share_group_id is not None:
        condition |= Q(
            Exists(
                IncidentOrganisationShare.objects.filter(
                    content_object=OuterRef("pk"),
                    group_id=share_group_id,
                    permission__codename__in=codenames,
                )
            )
        )
    return condition


def _open_task(user) -> Q:
    """An open task assigned to the user: computed from the task, never stored as a grant."""

    return Q(
        Exists(
            Task.objects.filter(
                incident=OuterRef("pk"), assigned_to_id=user.pk, status=Task.Status.OPEN
            )
        )
    )


def _view(user) -> Q:

    organisation = user.organisation
    # Police users see every area of their own force (G3): the force area is their
    # organisation's jurisdiction, so the rule is the same as everyone's.
    by_place = _in_jurisdiction(organisation)
    ordinary = ~Q(marking=Incident.Marking.CONFIDENTIAL) & (by_place | Q(created_by_id=user.pk))
    responsible = Q(lead_officer_id=user.pk) | Q(lead_organisation_id=organisation.pk)
    return (
        ordinary
        | responsible
        | _shared(user, ("view_incident", "change_incident"))
        | _open_task(user)
    )


def _edit(user) -> Q:

    if not user.has_perm("incidents.change_incident"):
        return NOTHING
    organisation = user.organisation
    grounds = (
        Q(created_by_id=user.pk)
        | Q(lead_officer_id=user.pk)
        | Q(lead_organisation_id=organisation.pk)
        | _in_jurisdiction(organisation)
        | _shared(user, ("change_incident",))
        | _open_task(user)
    )
    return _view(user) & ~Q(status=Incident.Status.CLOSED) & grounds


def _close(user) -> Q:

    if not user.has_perm("incidents.close_incident"):
        return NOTHING
    return Q(lead_organisation_id=user.organisation_id, status=Incident.Status.SUBMITTED)


def _submit(user) -> Q:

    if not user.has_perm("incidents.submit_incident"):
        return NOTHING
    return _edit(user) & Q(status=Incident.Status.OPEN)


def _reopen(user) -> Q:

    if not user.has_perm("incidents.close_incident"):
        return NOTHING
    return Q(lead_organisation_id=user.organisation_id, status=Incident.Status.CLOSED)


def _retain(user) -> Q:
    if user.group not in (UserGroup.ENHANCED, UserGroup.ADMINISTRATOR):
        return NOTHING
    if user.group == UserGroup.ADMINISTRATOR and user.manages_all_organisations:
        # Any lead organisation of their own partnership, never a case they cannot view.
        leads = Q(lead_organisation__in=partnership_organisations(user.organisation))
    else:
        leads = Q(lead_organisation_id=user.organisation_id)
    return _view(user) & leads


def _report(user) -> Q:

    if not may_use_reporting(user):
        return NOTHING
    county_wide = _in_partnership(user.organisation) & ~Q(marking=Incident.Marking.CONFIDENTIAL)
    return county_wide | _view(user)


_RULES = {
    Action.VIEW: _view,
    Action.EDIT: _edit,
    Action.SUBMIT: _submit,
    Action.CLOSE: _close,
    Action.REOPEN: _reopen,
    Action.REPORT: _report,
    Action.RETAIN: _retain,
}


def incident_scope(user, action: str = Action.VIEW) -> Q:
    """The condition an incident must meet for `user` to perform `action` on it."""
    action = Action(action)
    if not may_use_system(user) or user.group == UserGroup.BASIC:
        return NOTHING
    return _RULES[action](user)


def may_give_task(by, assignee, incident) -> bool:
    """A task opens its incident to its assignee while it is open (the `view` and `edit`
    rules count it), so it may not grant more than its raiser may share: a task for someone
    who cannot already see the incident needs a raiser who may edit it (as an explicit
    share does). A read-only analyst may still give work to those already on the case."""
    return can(assignee, Action.VIEW, incident) or can(by, Action.EDIT, incident)


def visible_incidents(user):

    return Incident.objects.for_user(user, Action.VIEW)


def can(user, action: str, incident) -> bool:
    """Whether `user` may perform `action` on this incident (the same rule as the lists)."""

    return Incident.objects.for_user(user, action).filter(pk=incident.pk).exists()


def with_allowed_actions(queryset, user):
    """Annotate `allowed_edit`, `allowed_submit`, `allowed_close`, `allowed_reopen` and
    `allowed_retain`, so a page shows the right buttons without asking once per record."""
    return queryset.annotate(
        **{
            f"allowed_{action}": ExpressionWrapper(incident_scope(user, action), BooleanField())
            for action in (Action.EDIT, Action.SUBMIT, Action.CLOSE, Action.REOPEN, Action.RETAIN)
        }
    )


def drafts_for(user):
    """A complaint draft is seen by its owner alone, and only while they may log complaints."""

    if not may_use_system(user) or not user.has_perm("incidents.add_incident"):
        return ComplaintDraft.objects.none()
    return ComplaintDraft.objects.filter(owner_id=user.pk)


def supervisors_of(incident) -> list:
    """Who supervises a case, and is told when it turns High risk or its victim update is
    overdue (R2, R3): the enhanced users of the lead organisation, or, in an organisation
    without any, its administrators. Only users who may use the system now; all of them
    can see the case (their organisation leads it)."""

    if not incident.lead_organisation.may_use_system():
        return []
    users = list(
        User.objects.filter(
            organisation_id=incident.lead_organisation_id,
            is_active=True,
            group__in=(UserGroup.ENHANCED, UserGroup.ADMINISTRATOR),
        ).order_by("pk")
    )
    enhanced = [user for user in users if user.group == UserGroup.ENHANCED]
    return enhanced or users
