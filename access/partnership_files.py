"""A partnership from a file (docs/partnership-set-up.md): its areas, organisations,
jurisdictions, contacts and first administrators, in YAML or JSON.

    plan = read_partnership(text)   # everything checked; raises PartnershipFileError
    plan.changes                    # what loading it would change, in words
    apply(plan, by=None)            # all of it in one transaction, with history and audit

A file is checked as a whole against itself and the database before anything is written:
every problem is reported at once, each with the line of the file it is about. Loading a
file again updates what changed and never duplicates anything (areas and organisations are
matched by their codes, users by username); an area with records is never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from simple_history.utils import get_history_manager_for_model

from access.administration.services import create_user
from access.models import Area, Jurisdiction, Organisation, User, UserGroup
from audit.models import AuditEvent
from audit.services import new_event, record_events

from .partnership_reading import (
    LOADER_LABEL,
    AreaEntry,
    Document,
    OrganisationEntry,
    PartnershipFileError,
    Problems,
    UserEntry,
    parse,
)


@dataclass
class Plan:
    """A checked file and what loading it would change in the database."""

    document: Document
    changes: list[str] = field(default_factory=list)
    existing_areas: dict[str, Area] = field(default_factory=dict)
    existing_organisations: dict[str, Organisation] = field(default_factory=dict)
    existing_users: dict[str, User] = field(default_factory=dict)
    jurisdictions: set[tuple[str, str]] = field(default_factory=set)  # (org code, area code)
    areas_to_delete: list[Area] = field(default_factory=list)


@dataclass
class Result:
    areas: dict[str, Area]  # by name
    organisations: dict[str, Organisation]  # by name
    changes: list[str]
    new_administrators: list[User]


def _area_trees(existing: list[Area]) -> list[Area]:
    """Every area of the trees the file's existing areas are in (their partnership)."""
    roots = {area.path[: Area.steplen] for area in existing}
    if not roots:
        return []
    condition = Q()
    for root in roots:
        condition |= Q(path__startswith=root)
    return list(Area.objects.filter(condition))


def _has_records(areas: list[Area], organisation_codes: set[str]) -> bool:
    """Whether anything but a jurisdiction of an organisation in the file refers to the areas."""
    for relation in Area._meta.related_objects:
        if relation.many_to_many:  # the organisations' jurisdictions: the rows below
            continue
        rows = relation.related_model._base_manager.filter(
            **{f"{relation.field.name}__in": [area.pk for area in areas]}
        )
        if relation.related_model is Jurisdiction:
            rows = rows.exclude(organisation__code__in=organisation_codes)
        if rows.exists():
            return True
    return False


def _plan_areas(plan: Plan, problems: Problems, areas_line: int) -> None:
    document = plan.document
    codes = {area.code for area in document.areas}
    names = {area.name for area in document.areas}
    found = list(Area.objects.filter(Q(code__in=codes) | Q(name__in=names)))
    plan.existing_areas = {area.code: area for area in found if area.code in codes}
    by_path = {area.path: area for area in _area_trees(list(plan.existing_areas.values()))}
    renamed_away = {area.name for area in document.areas if area.code in plan.existing_areas} ^ {
        area.name for area in plan.existing_areas.values()
    }
    for entry in document.areas:
        current = plan.existing_areas.get(entry.code)
        holder = next((area for area in found if area.name == entry.name), None)
        if holder is not None and holder.code != entry.code and holder.name not in renamed_away:
            problems.add(
                entry.line, f"an area named {entry.name!r} already exists (code {holder.code!r})."
            )
        if current is None:
            plan.changes.append(f"create area {entry.name} ({entry.code})")
            continue
        parent = by_path.get(current.path[: -Area.steplen])
        if (parent.code if parent else None) != entry.parent:
            problems.add(
                entry.line,
                f"area {entry.code!r} is under {parent.code if parent else 'no area'!r} in the "
                "database: moving an area to another parent is not supported.",
            )
        fields = [
            name for name in ("name", "kind") if getattr(current, name) != getattr(entry, name)
        ]
        if fields:
            plan.changes.append(f"update area {entry.name} ({entry.code}): {', '.join(fields)}")
    missing = [area for area in by_path.values() if area.code not in codes]
    if missing:
        organisation_codes = {organisation.code for organisation in document.organisations}
        for area in sorted(missing, key=lambda area: area.path):
            if _has_records([area], organisation_codes):
                problems.add(
                    areas_line,
                    f"area {area.name!r} ({area.code}) is not in the file but has records: "
                    "an area with records is never deleted; put it back in the file.",
                )
            else:
                plan.areas_to_delete.append(area)
                plan.changes.append(f"delete area {area.name} ({area.code})")


def _existing_users(document: Document) -> dict[str, User]:
    wanted = {
        name.casefold()
        for organisation in document.organisations
        for name in (
            *(user.username for user in organisation.administrators),
            organisation.designated_officer,
            organisation.nominated_representative,
        )
        if name
    }
    if not wanted:
        return {}
    condition = Q()
    for name in wanted:
        condition |= Q(username__iexact=name)
    found = User.objects.filter(condition).select_related("organisation")
    return {user.username.casefold(): user for user in found}


def _plan_users(plan: Plan, entry: OrganisationEntry, problems: Problems) -> None:
    users = plan.existing_users
    for user in entry.administrators:
        existing = users.get(user.username.casefold())
        if existing is None:
            plan.changes.append(f"create administrator {user.username} of {entry.name}")
        elif existing.organisation.code != entry.code:
            problems.add(
                user.line,
                f"the username {user.username!r} is taken by a user of {existing.organisation}.",
            )
    named = {user.username.casefold() for user in entry.administrators}
    for role in ("designated_officer", "nominated_representative"):
        username = getattr(entry, role)
        existing = users.get((username or "").casefold())
        if (
            username
            and username.casefold() not in named
            and (existing is None or existing.organisation.code != entry.code)
        ):
            problems.add(
                entry.line,
                f"the {role.replace('_', ' ')} {username!r} is not a user of {entry.name}: "
                "name one of its users, or add them under administrators.",
            )


def _contact_name(organisation: Organisation, role: str) -> str | None:
    user = getattr(organisation, role)
    return user.username if user else None


def _plan_organisations(plan: Plan, problems: Problems) -> None:
    document = plan.document
    codes = {organisation.code for organisation in document.organisations}
    names = {organisation.name for organisation in document.organisations}
    found = list(
        Organisation.objects.filter(Q(code__in=codes) | Q(name__in=names)).select_related(
            "designated_officer", "nominated_representative"
        )
    )
    plan.existing_organisations = {o.code: o for o in found if o.code in codes}
    if plan.existing_organisations:
        plan.jurisdictions = set(
            Jurisdiction.objects.filter(organisation__code__in=codes).values_list(
                "organisation__code", "area__code"
            )
        )
    plan.existing_users = _existing_users(document)
    for entry in document.organisations:
        holder = next((o for o in found if o.name == entry.name), None)
        if holder is not None and holder.code != entry.code:
            problems.add(
                entry.line,
                f"an organisation named {entry.name!r} already exists (code {holder.code!r}).",
            )
        _plan_users(plan, entry, problems)
        current = plan.existing_organisations.get(entry.code)
        covered = {area for code, area in plan.jurisdictions if code == entry.code}
        for area in sorted(set(entry.covers) - covered):
            plan.changes.append(f"{entry.name} covers area {area}")
        for area in sorted(covered - set(entry.covers)):
            plan.changes.append(f"{entry.name} no longer covers area {area}")
        if current is None:
            plan.changes.append(f"create organisation {entry.name} ({entry.code})")
            continue
        fields = _changed_fields(current, entry)
        if fields:
            plan.changes.append(
                f"update organisation {entry.name} ({entry.code}): {', '.join(fields)}"
            )


ORGANISATION_FIELDS = (
    "name",
    "kind",
    "information_sharing_agreement_signed",
    "code_of_connection_version",
)
CONTACTS = ("designated_officer", "nominated_representative")


def _changed_fields(current: Organisation, entry: OrganisationEntry) -> list[str]:
    fields = [
        name for name in ORGANISATION_FIELDS if getattr(current, name) != getattr(entry, name)
    ]
    return fields + [
        role
        for role in CONTACTS
        if (_contact_name(current, role) or "").casefold()
        != (getattr(entry, role) or "").casefold()
    ]


def plan(document: Document) -> Plan:
    """What loading the document would change; raises PartnershipFileError if it cannot be
    loaded into this database (a name another area or organisation has, a username another
    organisation's, an area moved, an area with records left out)."""
    problems = Problems()
    result = Plan(document=document)
    _plan_areas(result, problems, areas_line=1)
    _plan_organisations(result, problems)
    if problems:
        raise PartnershipFileError(list(problems))
    return result


def read_partnership(text: str) -> Plan:
    """Read and check a partnership file (YAML or JSON) against itself and the database."""
    return plan(parse(text))


# --- Loading ------------------------------------------------------------------------------


def _bulk_history(model, objects, by) -> None:
    # Bulk creation skips simple-history's signal: write the "created" rows ourselves.
    if objects:
        get_history_manager_for_model(model).bulk_history_create(objects, default_user=by)


def _create_areas(plan: Plan, by) -> list[Area]:
    """The new areas, each new subtree in one bulk load (a few queries, not a few per area)."""
    entries = plan.document.areas
    new = [entry for entry in entries if entry.code not in plan.existing_areas]
    children: dict[str | None, list[AreaEntry]] = {}
    for entry in new:
        children.setdefault(entry.parent, []).append(entry)

    def node(entry: AreaEntry) -> dict:
        return {
            "data": {"code": entry.code, "name": entry.name, "kind": entry.kind},
            "children": [node(child) for child in children.get(entry.code, [])],
        }

    new_codes = {entry.code for entry in new}
    for entry in new:
        if entry.parent in new_codes:
            continue
        parent = plan.existing_areas.get(entry.parent)
        if parent is not None:
            parent = Area.objects.get(pk=parent.pk)  # its child count as it is now
        Area.objects.load_bulk([node(entry)], parent=parent, bulk_create=True)
    return new


def _update_areas(plan: Plan, by) -> list[tuple[Area, list[str]]]:
    updated = []
    for entry in plan.document.areas:
        area = plan.existing_areas.get(entry.code)
        if area is None:
            continue
        fields = [name for name in ("name", "kind") if getattr(area, name) != getattr(entry, name)]
        if fields:
            area = Area.objects.get(pk=area.pk)
            area.name, area.kind = entry.name, entry.kind
            area._history_user = by
            area.save(update_fields=fields)
            updated.append((area, fields))
    return updated


def _administrator(by, organisation: Organisation, entry: UserEntry) -> User:
    """A first administrator, created as the user administration creates any user: disabled
    and without a password until an administrator enables them (M1, G4)."""
    if by is not None:
        return create_user(
            by=by,
            username=entry.username,
            first_name=entry.first_name,
            last_name=entry.last_name,
            email=entry.email,
            organisation=organisation,
            group=UserGroup.ADMINISTRATOR,
            training_level=entry.training_level,
        )
    user = User(
        username=entry.username,
        first_name=entry.first_name,
        last_name=entry.last_name,
        email=entry.email,
        organisation=organisation,
        group=UserGroup.ADMINISTRATOR,
        training_level=entry.training_level,
        is_active=False,
    )
    user.set_unusable_password()
    user.save()
    return user


def _save_organisations(plan: Plan, by) -> tuple[dict[str, Organisation], list, list]:
    """Create the new organisations (in bulk) and update the changed ones."""
    entries = plan.document.organisations
    created = Organisation.objects.bulk_create(
        Organisation(
            code=entry.code, **{name: getattr(entry, name) for name in ORGANISATION_FIELDS}
        )
        for entry in entries
        if entry.code not in plan.existing_organisations
    )
    _bulk_history(Organisation, created, by)
    updated = []
    for entry in entries:
        current = plan.existing_organisations.get(entry.code)
        fields = [
            name
            for name in ORGANISATION_FIELDS
            if current is not None and getattr(current, name) != getattr(entry, name)
        ]
        if fields:
            for name in fields:
                setattr(current, name, getattr(entry, name))
            current._history_user = by
            current.save(update_fields=fields)
            updated.append((current, fields))
    organisations = {o.code: o for o in [*created, *plan.existing_organisations.values()]}
    return organisations, created, updated


def _save_jurisdictions(plan: Plan, organisations, areas) -> dict[str, tuple[list, list]]:
    wanted = {(entry.code, area) for entry in plan.document.organisations for area in entry.covers}
    added, removed = wanted - plan.jurisdictions, plan.jurisdictions - wanted
    Jurisdiction.objects.bulk_create(
        Jurisdiction(organisation=organisations[code], area=areas[area])
        for code, area in sorted(added)
    )
    changed: dict[str, tuple[list, list]] = {}
    for code, area in sorted(added):
        changed.setdefault(code, ([], []))[0].append(area)
    for code, area in sorted(removed):
        changed.setdefault(code, ([], []))[1].append(area)
    return changed


def _save_users_and_contacts(plan: Plan, organisations, by) -> tuple[list[User], list]:
    created: list[User] = []
    users = dict(plan.existing_users)
    for entry in plan.document.organisations:
        for user in entry.administrators:
            if user.username.casefold() not in users:
                made = _administrator(by, organisations[entry.code], user)
                users[user.username.casefold()] = made
                created.append(made)
    updated = []
    for entry in plan.document.organisations:
        organisation = organisations[entry.code]
        fields = [
            role
            for role in CONTACTS
            if (_contact_name(organisation, role) or "").casefold()
            != (getattr(entry, role) or "").casefold()
        ]
        for role in fields:
            setattr(organisation, role, users.get((getattr(entry, role) or "").casefold()))
        if fields:
            organisation._history_user = by
            organisation.save(update_fields=fields)
            updated.append((organisation, fields))
    return created, updated


def _events(by, **groups) -> list[AuditEvent]:
    """One event per area and organisation created, changed or deleted, and per first
    administrator created without an acting user (create_user records its own)."""
    label = "" if by is not None else LOADER_LABEL
    events = []

    def event(event_type, target, organisation=None, **details):
        events.append(
            new_event(
                event_type,
                actor=by,
                actor_label=label,
                target=target,
                organisation=organisation,
                details={"partnership_file": True, **details},
            )
        )

    changed = AuditEvent.Type.REFERENCE_CHANGED
    for area in groups["areas_created"]:
        event(changed, ("area", area.pk), change="created", code=area.code)
    for area, fields in groups["areas_updated"]:
        event(changed, ("area", area.pk), change="updated", code=area.code, fields=fields)
    for code in groups["areas_deleted"]:
        event(changed, ("area", code), change="deleted", code=code)
    touched: dict[int, dict] = {}
    for organisation in groups["organisations_created"]:
        touched[organisation.pk] = {"change": "created", "fields": []}
    for organisation, fields in groups["organisations_updated"]:
        touched.setdefault(organisation.pk, {"change": "updated", "fields": []})
        touched[organisation.pk]["fields"] += fields
    for code, (added, removed) in groups["jurisdictions"].items():
        pk = groups["organisations"][code].pk
        touched.setdefault(pk, {"change": "updated", "fields": []})
        touched[pk] |= {"covers_added": added, "covers_removed": removed}
    by_pk = {o.pk: o for o in groups["organisations"].values()}
    for pk, details in touched.items():
        event(changed, ("organisation", pk), by_pk[pk], code=by_pk[pk].code, **details)
    if by is None:
        for user in groups["users_created"]:
            event(
                AuditEvent.Type.USER_CREATED,
                ("user", user.pk),
                user.organisation,
                username=user.username,
                group=user.group,
                training_level=user.training_level,
            )
    return events


@transaction.atomic
def apply(plan: Plan, *, by: User | None = None, audited: bool = True) -> Result:
    """Load a checked plan, in one transaction, with history rows for what it creates and
    changes and (unless `audited` is False: the test suite's example partnership) an audit
    event for each. `by` is the acting administrator, or None from the command line."""
    # Jurisdictions the file no longer gives go first: an area left out may be one of them.
    wanted = {(entry.code, area) for entry in plan.document.organisations for area in entry.covers}
    for code, area in plan.jurisdictions - wanted:
        Jurisdiction.objects.filter(organisation__code=code, area__code=area).delete()
    for area in plan.areas_to_delete:
        Area.objects.filter(pk=area.pk).delete()
    new_areas = _create_areas(plan, by)
    areas_updated = _update_areas(plan, by)
    codes = [entry.code for entry in plan.document.areas]
    areas = {area.code: area for area in Area.objects.filter(code__in=codes)}
    new_codes = {entry.code for entry in new_areas}
    areas_created = [area for code, area in areas.items() if code in new_codes]
    if areas_created:
        # The bulk load saves each subtree's first node one by one (with its history row).
        recorded = set(
            Area.history.filter(id__in=[area.pk for area in areas_created]).values_list(
                "id", flat=True
            )
        )
        _bulk_history(Area, [area for area in areas_created if area.pk not in recorded], by)
    organisations, organisations_created, organisations_updated = _save_organisations(plan, by)
    jurisdictions = _save_jurisdictions(plan, organisations, areas)
    users_created, contacts_updated = _save_users_and_contacts(plan, organisations, by)
    if audited:
        record_events(
            _events(
                by,
                areas_created=areas_created,
                areas_updated=areas_updated,
                areas_deleted=[area.code for area in plan.areas_to_delete],
                organisations=organisations,
                organisations_created=organisations_created,
                organisations_updated=organisations_updated + contacts_updated,
                jurisdictions=jurisdictions,
                users_created=users_created,
            )
        )
    return Result(
        areas={area.name: area for area in areas.values()},
        organisations={o.name: o for o in organisations.values()},
        changes=list(plan.changes),
        new_administrators=users_created,
    )


@transaction.atomic
def load(text: str, *, by: User | None = None, dry_run: bool = False) -> Result:
    """Check a file and, unless `dry_run`, load it: all in one transaction, so that the
    database cannot change between the check and the writes."""
    checked = read_partnership(text)
    if dry_run:
        return Result(areas={}, organisations={}, changes=checked.changes, new_administrators=[])
    return apply(checked, by=by)
