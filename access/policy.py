"""THE access policy: who may see, edit or close which incident (SPEC T5, G1-G3, V1-V6).

Every list, detail page, API endpoint, search, export, PDF, download and notification asks
this module; nothing else filters incidents by organisation or area. The rules are written
once, as a database condition per action (`incident_scope`), so that:

- a list is `Incident.objects.for_user(user, action)`;
- a yes/no for one record (`can`) is that same condition applied to that record;
- a detail page uses `get_incident_for_user`, which answers 404 for a record that is missing
  and for one that is out of scope alike (V5), and writes the audit event either way.

The rules, read plainly (ACCESS-MATRIX.md; seed 000 s3.5 and Appendix B):

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

from __future__ import annotations

from enum import StrEnum

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.db.models.functions import Length, Substr
from django.http import Http404

from access.models import Area, Jurisdiction, UserGroup


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


def may_use_system(user) -> bool:
    """Signed in, enabled, and their organisation neither inactive nor suspended (T4)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.organisation.may_use_system()
    )


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


# --- The partnership (T6) ------------------------------------------------------------------
# One deployment may host several partnerships. A partnership is a root of the area tree (a
# force area, or a region above several) with everything below it; an organisation belongs
# to the partnership(s) whose areas its jurisdiction covers. Nothing crosses from one
# partnership to another except an explicit share of one case: every rule below that is not
# about the user's own jurisdiction (reports, hotspots, statistics, registers, retention,
# subject access, choice lists of areas, organisations and users) stops at the partnership.


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
    from access.models import Organisation

    partners = (
        Jurisdiction.objects.annotate(root=_root("area__path"))
        .filter(root__in=_partnership_roots(organisation))
        .values("organisation_id")
    )
    return Organisation.objects.filter(Q(pk__in=partners) | Q(pk=organisation.pk))


def partnership_users(user):
    """The users of the user's partnership, for choice lists (tasks, alerts, shares)."""
    from access.models import User

    return User.objects.filter(organisation__in=partnership_organisations(user.organisation))


def recording_areas(user):
    """The leaf areas a user may record an incident in: those of their partnership."""
    return partnership_areas(user.organisation).filter(numchild=0).order_by("name")


def _shared(user, codenames: tuple[str, ...]) -> Q:
    """Explicit shares (django-guardian rows) with the user or with their organisation."""
    from incidents.models import IncidentOrganisationShare, IncidentUserShare

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
    from incidents.models import Task

    return Q(
        Exists(
            Task.objects.filter(
                incident=OuterRef("pk"), assigned_to_id=user.pk, status=Task.Status.OPEN
            )
        )
    )


def _view(user) -> Q:
    from incidents.models import Incident

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
    from incidents.models import Incident

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
    from incidents.models import Incident

    if not user.has_perm("incidents.close_incident"):
        return NOTHING
    return Q(lead_organisation_id=user.organisation_id, status=Incident.Status.SUBMITTED)


def _submit(user) -> Q:
    from incidents.models import Incident

    if not user.has_perm("incidents.submit_incident"):
        return NOTHING
    return _edit(user) & Q(status=Incident.Status.OPEN)


def _reopen(user) -> Q:
    from incidents.models import Incident

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
    from incidents.models import Incident

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
    from incidents.models import Incident

    return Incident.objects.for_user(user, Action.VIEW)


def can(user, action: str, incident) -> bool:
    """Whether `user` may perform `action` on this incident (the same rule as the lists)."""
    from incidents.models import Incident

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


def get_incident_for_user(
    user,
    urn: str,
    action: str = Action.VIEW,
    *,
    request=None,
    lock=False,
    record_view=None,
    related: tuple[str, ...] = (),
    annotate=None,
):
    """Fetch one incident for `action`, or raise 404 whether it is missing or out of scope.

    Logs the denial as a security event (V5) and the read (A2): by default a read is logged
    for action "view" only; a page that shows the record for another action (an edit form)
    passes record_view=True, and one that logs a more specific event itself (a document
    download) passes record_view=False. With lock=True the row is locked for the rest of
    the transaction (for writes). `related` names relations to fetch in the same query, and
    `annotate` (queryset -> queryset) adds what a page computes per incident, so that it
    comes in the same query too.
    """
    if record_view is None:
        record_view = action == Action.VIEW
    from audit.models import AuditEvent
    from audit.services import record_event
    from incidents.models import Incident

    queryset = with_allowed_actions(
        Incident.objects.for_user(user, action).select_related(
            "area", "lead_organisation", "lead_officer", "created_by", *related
        ),
        user,
    )
    if annotate is not None:
        queryset = annotate(queryset)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    urn = str(urn)
    well_formed = urn.isprintable() and len(urn) <= URN_MAX_LENGTH
    incident = queryset.filter(urn=urn).first() if well_formed else None
    if incident is None:
        deny(
            user,
            request,
            ("incident", urn),
            action,
            exists=well_formed and Incident.objects.filter(urn=urn).exists(),
        )
    if record_view:
        record_event(
            AuditEvent.Type.INCIDENT_VIEWED,
            actor=user,
            request=request,
            target=("incident", incident.urn),
            details={"path": request.path if request else ""},
        )
    return incident


# --- People ----------------------------------------------------------------------------------
# A person is seen by whoever can see at least one incident they are involved in, and
# changed by whoever can edit one (P1, S1). There is no other way to reach a person.


def people_for(user, action: str = Action.VIEW):
    from people.models import Involvement, Person

    incidents = _incident_ids(user, action)
    return Person.objects.filter(
        Exists(Involvement.objects.filter(person=OuterRef("pk"), incident__in=incidents))
    )


def visible_people(user):
    return people_for(user, Action.VIEW)


def _incident_ids(user, action):
    from incidents.models import Incident

    return Incident.objects.for_user(user, action).values("pk")


def get_person_for_user(
    user, pk, action: str = Action.VIEW, *, request=None, lock=False, record_view=None
):
    """One person for `action`, or 404 for missing and out of scope alike, logged as for
    incidents (including `record_view`: by default a read is logged for "view" only)."""
    if record_view is None:
        record_view = action == Action.VIEW
    from audit.models import AuditEvent
    from audit.services import record_event
    from people.models import Person

    queryset = people_for(user, action)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    numeric = is_key(pk)
    person = queryset.filter(pk=pk).first() if numeric else None
    if person is None:
        deny(
            user,
            request,
            ("person", pk),
            action,
            exists=numeric and Person.objects.filter(pk=pk).exists(),
        )
    if record_view:
        record_event(
            AuditEvent.Type.PERSON_VIEWED,
            actor=user,
            request=request,
            target=("person", person.pk),
            details={"path": request.path if request else ""},
        )
    return person


# --- Search, reports, exports (S1-S5) ------------------------------------------------------


def may_search(user) -> bool:
    """Basic search (S1) - people, locations and incidents within the user's own scope - is
    for operational users and above."""
    return may_use_system(user) and user.group != UserGroup.BASIC


def may_use_reporting(user) -> bool:
    """The ad-hoc reporting module (S2, V2): analysts and administrators (seed 000 s3.5:
    administrators have every right super users have)."""
    return may_use_system(user) and user.group in (UserGroup.ANALYST, UserGroup.ADMINISTRATOR)


def reportable_incidents(user):
    """What the ad-hoc reporting module reports on for `user`: county-wide for analysts and
    administrators (V2), nothing for anyone else."""
    from incidents.models import Incident

    return Incident.objects.for_user(user, Action.REPORT)


def exportable(incidents):
    """Confidential records never leave in a bulk export, whoever asks (V4)."""
    from incidents.models import Incident

    return incidents.exclude(marking=Incident.Marking.CONFIDENTIAL)


def saved_reports_for(user):
    """A user's own saved report definitions, while they may use the module; nobody else's
    are ever listed or opened."""
    from reports.models import SavedReport

    if not may_use_reporting(user):
        return SavedReport.objects.none()
    return SavedReport.objects.filter(owner_id=user.pk)


def analysis_incidents(user):
    """The incidents hotspot and repeat analysis (S4) covers: county-wide inside the reporting
    module for its users, the user's own view for everyone else who may search."""
    if may_use_reporting(user):
        return reportable_incidents(user)
    if may_search(user):
        return visible_incidents(user)
    from incidents.models import Incident

    return Incident.objects.none()


def supervisors_of(incident) -> list:
    """Who supervises a case, and is told when it turns High risk or its victim update is
    overdue (R2, R3): the enhanced users of the lead organisation, or, in an organisation
    without any, its administrators. Only users who may use the system now; all of them
    can see the case (their organisation leads it)."""
    from access.models import User

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


def may_merge_people(user) -> bool:
    """Merging duplicate people (and undoing a merge) is for administrators (SPEC P2)."""
    return may_use_system(user) and user.group == UserGroup.ADMINISTRATOR


# --- Complaint drafts ------------------------------------------------------------------------
def drafts_for(user):
    """A complaint draft is seen by its owner alone, and only while they may log complaints."""
    from incidents.models import ComplaintDraft

    if not may_use_system(user) or not user.has_perm("incidents.add_incident"):
        return ComplaintDraft.objects.none()
    return ComplaintDraft.objects.filter(owner_id=user.pk)


# --- Reference data ----------------------------------------------------------------------------
def may_maintain_reference_data(user) -> bool:
    """The partnership's shared lists (PEN codes, risk questions, ...) are kept by
    administrators (SPEC M2)."""
    return may_use_system(user) and user.has_perm("incidents.maintain_reference_data")


# --- Administration (M1, G4, T4) ---------------------------------------------------------------
# Administrators act on the users of their own organisation; a deployment-wide administrator
# (User.manages_all_organisations) on every organisation's, and alone suspends partners.


def _is_administrator(user) -> bool:
    return may_use_system(user) and user.group == UserGroup.ADMINISTRATOR


def may_administer_users(user) -> bool:
    return _is_administrator(user)


def manageable_organisations(user):
    """The organisations whose users `user` may create, enable, disable and reset."""
    from access.models import Organisation

    if not _is_administrator(user):
        return Organisation.objects.none()
    if user.manages_all_organisations:
        return Organisation.objects.all()
    return Organisation.objects.filter(pk=user.organisation_id)


def manageable_users(user):
    from access.models import User

    if not _is_administrator(user):
        return User.objects.none()
    if user.manages_all_organisations:
        return User.objects.all()
    return User.objects.filter(organisation_id=user.organisation_id)


def deny(user, request, target: tuple[str, object], action: str, **details) -> None:
    """The one way to answer "not found or not yours": log the denial as a security event
    (V5) and raise 404. Every getter that refuses a record ends here, so that an
    out-of-scope request of any route writes exactly one ACCESS_DENIED event."""
    from audit.models import AuditEvent
    from audit.services import record_event

    def printable(value, limit: int = 512):
        # What the probe sent, as it may be stored (PostgreSQL takes no NUL byte) and read:
        # control characters escaped, a 10,000-character address cut short.
        if not isinstance(value, str):
            return value
        return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in value)[:limit]

    kind, key = target
    record_event(
        AuditEvent.Type.ACCESS_DENIED,
        actor=user,
        request=request,
        target=(kind, clean_key(key)),
        outcome=AuditEvent.Outcome.DENIED,
        details={
            "action": str(action),
            "path": printable(request.path if request else ""),
            **{name: printable(value, 64) for name, value in details.items()},
        },
    )
    raise Http404("Not found.")


URN_MAX_LENGTH = 20  # Incident.urn
# The largest primary key a record may have (PostgreSQL bigint): a longer number in a URL
# is a missing record, never a database error.
MAX_KEY = 2**63 - 1


def is_key(value) -> bool:
    """Whether a value from a URL can be a primary key at all."""
    text = str(value)
    return text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= MAX_KEY


def clean_key(key) -> str:
    """A record key from a URL as it may be stored and shown: control characters (a NUL byte
    cannot be stored in PostgreSQL text) dropped, at most 64 characters."""
    return "".join(ch for ch in str(key) if ch.isprintable())[:64]


def get_user_for_administrator(administrator, pk, *, request=None, lock: bool = False):
    """One user the administrator may manage, or 404 (missing and out of scope alike, V5)."""
    queryset = manageable_users(administrator).select_related("organisation")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    found = queryset.filter(pk=pk).first() if is_key(pk) else None
    if found is None:
        deny(administrator, request, ("user", str(pk)[:64]), "administer")
    return found


def may_suspend_partners(user) -> bool:
    return _is_administrator(user) and user.manages_all_organisations


def suspendable_organisations(user):
    """Every partner but the administrator's own (suspending it would lock them out too)."""
    from access.models import Organisation

    if not may_suspend_partners(user):
        return Organisation.objects.none()
    return Organisation.objects.exclude(pk=user.organisation_id)


def get_organisation_for_suspension(user, pk, *, request=None, lock: bool = False):
    queryset = suspendable_organisations(user)
    if lock:
        queryset = queryset.select_for_update()
    found = queryset.filter(pk=pk).first() if is_key(pk) else None
    if found is None:
        deny(user, request, ("organisation", str(pk)[:64]), "suspend")
    return found


def requires_two_factor(user) -> bool:
    """TOTP is required of administrators and analysts, and of everyone when the deployment
    says so (SPEC §17)."""
    from django.conf import settings

    return bool(
        settings.TWO_FACTOR_REQUIRED_FOR_ALL
        or user.group in {UserGroup.ADMINISTRATOR, UserGroup.ANALYST}
    )


# --- Audit review and the registers (A4-A6) ----------------------------------------------------
# Administrators and analysts review the use of the system by their own organisation's users
# (seed 000 s3.4-3.5: "monitoring of use"; the ad-hoc module "enables auditing of use");
# deployment-wide administrators review everyone's. Every user of the ad-hoc module sees the
# trail of their own use.


def may_review_audit(user) -> bool:
    return may_use_system(user) and user.group in {UserGroup.ADMINISTRATOR, UserGroup.ANALYST}


def audit_events_for(user):
    from audit.models import AuditEvent

    if not may_review_audit(user):
        return AuditEvent.objects.none()
    if _is_administrator(user) and user.manages_all_organisations:
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(organisation_id=user.organisation_id)


def own_audit_events(user):
    """A user's own logged use, for the summary shown to users of the ad-hoc module."""
    from audit.models import AuditEvent

    if not may_use_reporting(user):
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(actor_id=user.pk)


def may_keep_registers(user) -> bool:
    """The disclosure and breach registers are kept by administrators (A5, A6)."""
    return _is_administrator(user)


def _register_organisations(user):
    """Whose register entries an administrator keeps: their own organisation's, and for a
    deployment-wide administrator every organisation of their partnership (a register entry
    never crosses a partnership, T6)."""
    if user.manages_all_organisations:
        return partnership_organisations(user.organisation)
    from access.models import Organisation

    return Organisation.objects.filter(pk=user.organisation_id)


def disclosures_for(user):
    from audit.models import Disclosure

    if not may_keep_registers(user):
        return Disclosure.objects.none()
    entries = Disclosure.objects.filter(organisation__in=_register_organisations(user))
    if user.manages_all_organisations:
        # Another organisation's entry about a case the administrator may not view (its
        # Confidential case) stays with that organisation: it names and describes the case.
        from incidents.models import Incident

        hidden = Incident.objects.exclude(incident_scope(user, Action.VIEW)).values("pk")
        entries = entries.exclude(
            ~Q(organisation_id=user.organisation_id) & Q(incident__in=hidden)
        )
    return entries


def breaches_for(user):
    from audit.models import Breach

    if not may_keep_registers(user):
        return Breach.objects.none()
    return Breach.objects.filter(organisation__in=_register_organisations(user))


def get_register_entry_for_user(user, kind: str, pk, *, request=None, lock: bool = False):
    """One disclosure or breach the user may see, or 404 (logged) - kind: "disclosure" or
    "breach"."""
    queryset = {"disclosure": disclosures_for, "breach": breaches_for}[kind](user)
    if lock:
        queryset = queryset.select_for_update()
    found = queryset.filter(pk=pk).first() if is_key(pk) else None
    if found is None:
        deny(user, request, (kind, str(pk)[:64]), "view")
    return found


# --- Audit review: whose trail a reviewer may open ----------------------------------------------
# The users offered in the audit review's "user" filter and whose trail /audit/users/<pk>/
# shows: an administrator's manageable users (every user for a deployment-wide administrator),
# an analyst's own organisation's users; nobody for anyone else. Matches audit_events_for.


def audit_subjects_for(user):
    from access.models import User

    if not may_review_audit(user):
        return User.objects.none()
    if _is_administrator(user):
        return manageable_users(user)
    return User.objects.filter(organisation_id=user.organisation_id)


def get_audit_subject_for_user(user, pk, *, request=None):
    """One user whose audit trail `user` may review, or 404 (missing and out of scope alike,
    logged, V5)."""
    queryset = audit_subjects_for(user).select_related("organisation")
    found = queryset.filter(pk=pk).first() if is_key(pk) else None
    if found is None:
        deny(user, request, ("user", str(pk)[:64]), "review_audit")
    return found


# --- Administration: whose account an administrator may change ---------------------------------
# A deployment-wide administrator's account is changed only by another deployment-wide
# administrator: otherwise an administrator of the host organisation could set its password
# (or reset its two-factor) and take over powers over every partner. Seeing the account is
# still allowed (manageable_users).


def may_change_account(administrator, user) -> bool:
    """Whether `administrator` may change `user` (one of manageable_users(administrator)):
    details, enable, disable, password, lockout, two-factor."""
    return may_administer_users(administrator) and (
        administrator.manages_all_organisations or not user.manages_all_organisations
    )


def get_user_to_change(administrator, pk, *, request=None, lock: bool = False):
    """One user whose account the administrator may change, or 404 (logged), as
    get_user_for_administrator."""
    found = get_user_for_administrator(administrator, pk, request=request, lock=lock)
    if not may_change_account(administrator, found):
        deny(administrator, request, ("user", str(found.pk)), "change account")
    return found


# --- Retention and subject access (SPEC §13) ---------------------------------------------------
# The review queue belongs to the administrators of the organisation that leads each case (it
# answers for the record); a deployment-wide administrator sees every organisation's. Subject
# access requests are answered by the organisation that received them (seed 000 s10), which
# must gather everything the partnership holds about the person: its administrators may find
# any person for that purpose, stating the request, and every export is audited.


def may_review_retention(user) -> bool:
    return _is_administrator(user)


def retention_review_queue(user):
    """Incidents awaiting a retention decision that `user` may decide: the `retain` rule,
    so never a case the administrator cannot view (a Confidential case of another
    organisation) nor one of another partnership."""
    from incidents.models import Incident

    if not may_review_retention(user):
        return Incident.objects.none()
    return Incident.objects.for_user(user, Action.RETAIN).filter(retention__review="queued")


def get_incident_for_retention_review(
    user, urn, *, request=None, lock: bool = False, record_view: bool = False
):
    """One queued incident the administrator may decide on, or 404 (logged, V5). With
    `record_view` the read is logged too (the decision page shows the case's retention
    reasons, which may name people)."""
    queryset = retention_review_queue(user).select_related("lead_organisation", "retention")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    found = queryset.filter(urn=urn).first()
    if found is None:
        deny(user, request, ("incident", str(urn)[:64]), "retention review")
    if record_view:
        from audit.models import AuditEvent
        from audit.services import record_event

        record_event(
            AuditEvent.Type.INCIDENT_VIEWED,
            actor=user,
            request=request,
            target=("incident", found.urn),
            details={"path": request.path if request else ""},
        )
    return found


def may_see_inactive_records(user) -> bool:
    """The inactive-records report (D3): for the people who keep cases moving."""
    return may_use_system(user) and user.group in (
        UserGroup.ENHANCED,
        UserGroup.ANALYST,
        UserGroup.ADMINISTRATOR,
    )


def inactive_records_for(user):
    """Open incidents the user may view (the report adds the "no activity since" filter)."""
    from incidents.models import Incident

    if not may_see_inactive_records(user):
        return Incident.objects.none()
    return visible_incidents(user).exclude(status=Incident.Status.CLOSED)


def may_answer_subject_access(user) -> bool:
    return _is_administrator(user)


def subject_access_incidents(user):
    """The incidents a subject-access export gathered by `user` may draw on: every incident
    of their own partnership (the receiving organisation co-ordinates the answer for the
    partnership) except other partners' Confidential ones, and anything else they may
    view. Confidential incidents they cannot view are listed for their originating
    partner's decision instead (`withheld_subject_access_incidents`), never shown."""
    from incidents.models import Incident

    if not may_answer_subject_access(user):
        return Incident.objects.none()
    partnership = _in_partnership(user.organisation) & ~Q(marking=Incident.Marking.CONFIDENTIAL)
    return Incident.objects.filter(partnership | _view(user))


def withheld_subject_access_incidents(user):
    """Confidential incidents of the user's partnership that they may not view: a subject-
    access export names only the partner that holds them, for that partner to decide."""
    from incidents.models import Incident

    if not may_answer_subject_access(user):
        return Incident.objects.none()
    return Incident.objects.filter(
        _in_partnership(user.organisation),
        Q(marking=Incident.Marking.CONFIDENTIAL),
        ~_view(user),
    )


def subject_access_people(user):
    """The people an administrator may gather a subject-access export for: anyone involved
    in an incident the export may draw on (merged records are reached through the record
    they became)."""
    from people.models import Involvement, Person

    if not may_answer_subject_access(user):
        return Person.objects.none()
    incidents = subject_access_incidents(user).values("pk")
    return Person.objects.filter(merged_into__isnull=True).filter(
        Exists(
            Involvement.objects.filter(
                Q(person_id=OuterRef("pk")) | Q(person__merged_into_id=OuterRef("pk")),
                incident__in=incidents,
            )
        )
    )


def get_person_for_subject_access(user, pk, *, request=None, record_view: bool = False):
    """One person for a subject-access export, or 404 (logged, V5). With `record_view` the
    read is logged too (the page that summarises the export); a download is logged by its
    own SUBJECT_ACCESS event instead."""
    found = subject_access_people(user).filter(pk=pk).first() if is_key(pk) else None
    if found is None:
        deny(user, request, ("person", str(pk)[:64]), "subject access")
    if record_view:
        from audit.models import AuditEvent
        from audit.services import record_event

        record_event(
            AuditEvent.Type.PERSON_VIEWED,
            actor=user,
            request=request,
            target=("person", found.pk),
            details={"path": request.path if request else "", "purpose": "subject access"},
        )
    return found
