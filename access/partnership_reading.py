"""Reading a partnership file (docs/partnership-set-up.md): YAML or JSON, with the line of
every mapping kept, checked against itself - codes, the area tree, organisations, contacts,
first administrators - before anything is compared with the database
(access/partnership_files.py plans and applies it). Every problem is collected, each as
"line N: ...".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from access.administration.services import ADMINISTRATOR_TRAINING
from access.models import Area, Organisation, User

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
# Who loaded a partnership file from the command line, in the audit trail.
LOADER_LABEL = "partnership file"

AREA_KEYS = {"code", "name", "kind", "parent"}
ORGANISATION_KEYS = {
    "code",
    "name",
    "kind",
    "covers",
    "designated_officer",
    "nominated_representative",
    "information_sharing_agreement_signed",
    "code_of_connection_version",
    "administrators",
}
USER_KEYS = {"username", "first_name", "last_name", "email", "training_level"}


class PartnershipFileError(ValidationError):
    """The file cannot be loaded: `messages` says why, each naming its line."""


class _Mapping(dict):
    line = 0


class _Loader(yaml.SafeLoader):
    """YAML's safe loader that remembers the line of every mapping (JSON loads through it
    too), so that each problem names its line."""


def _mapping(loader, node):
    loader.flatten_mapping(node)
    pairs = loader.construct_pairs(node, deep=True)
    # A key that is itself a list or mapping cannot be a field name: keep it as text, so
    # that it is reported as an unknown field.
    found = _Mapping(
        (key if isinstance(key, str | int) else str(key), value) for key, value in pairs
    )
    found.line = node.start_mark.line + 1
    return found


def _timestamp(loader, node):
    # Dates stay text until a field reads them, so that a wrong one ("2026-13-01") is
    # reported on its line rather than failing the whole file.
    return loader.construct_scalar(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


@dataclass
class AreaEntry:
    line: int
    code: str
    name: str
    kind: str
    parent: str | None


@dataclass
class UserEntry:
    line: int
    username: str
    first_name: str
    last_name: str
    email: str
    training_level: int


@dataclass
class OrganisationEntry:
    line: int
    code: str
    name: str
    kind: str
    covers: list[str]
    designated_officer: str | None
    nominated_representative: str | None
    information_sharing_agreement_signed: date | None
    code_of_connection_version: str
    administrators: list[UserEntry]


@dataclass
class Document:
    """What a file says, checked against itself (not yet against the database)."""

    areas: list[AreaEntry]  # parents before their children
    organisations: list[OrganisationEntry]


# --- Reading the file ---------------------------------------------------------------------


class Problems(list):
    def add(self, line: int, message: str) -> None:
        self.append(f"line {line}: {message}")


def _text(entry: _Mapping, key: str, problems: Problems, *, required=True, limit=200) -> str:
    value = entry.get(key)
    if value is None or value == "":
        if required:
            problems.add(entry.line, f"enter the {key.replace('_', ' ')}.")
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        problems.add(entry.line, f"the {key.replace('_', ' ')} must be text.")
        return ""
    value = str(value).strip()
    if len(value) > limit:
        problems.add(entry.line, f"the {key.replace('_', ' ')} is longer than {limit} characters.")
    return value


def _code(entry: _Mapping, problems: Problems, what: str) -> str:
    code = _text(entry, "code", problems, limit=40)
    if code and not CODE.match(code):
        problems.add(
            entry.line,
            f"the {what} code {code!r} may hold only letters, digits, hyphens and underscores.",
        )
    return code


def _entries(value, line: int, key: str, problems: Problems) -> list[_Mapping]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, _Mapping) for item in value):
        problems.add(line, f"{key} must be a list of entries, each with its fields.")
        return []
    return value


def _unknown_keys(entry: _Mapping, known: set[str], problems: Problems) -> None:
    for key in sorted(set(map(str, entry)) - known):
        problems.add(
            entry.line, f"unknown field {key!r} (expected one of {', '.join(sorted(known))})."
        )


def _read_area(entry: _Mapping, problems: Problems) -> AreaEntry:
    _unknown_keys(entry, AREA_KEYS, problems)
    kind = _text(entry, "kind", problems)
    if kind and kind not in Area.Kind.values:
        problems.add(
            entry.line, f"unknown area kind {kind!r} (one of {', '.join(Area.Kind.values)})."
        )
    parent = _text(entry, "parent", problems, required=False, limit=40) or None
    return AreaEntry(
        entry.line,
        _code(entry, problems, "area"),
        _text(entry, "name", problems, limit=120),
        kind,
        parent,
    )


def _check_tree(areas: list[AreaEntry], problems: Problems) -> list[AreaEntry]:
    """Duplicate codes and names, unknown parents and cycles; the areas, parents first."""
    by_code: dict[str, AreaEntry] = {}
    names: dict[str, AreaEntry] = {}
    for area in areas:
        if area.code in by_code:
            problems.add(
                area.line,
                f"duplicate area code {area.code!r} (also on line {by_code[area.code].line}).",
            )
        elif area.code:
            by_code[area.code] = area
        if area.name.casefold() in names:
            first = names[area.name.casefold()]
            problems.add(
                area.line, f"duplicate area name {area.name!r} (also on line {first.line})."
            )
        elif area.name:
            names[area.name.casefold()] = area
    for area in areas:
        if area.parent is not None and area.parent not in by_code:
            problems.add(
                area.line, f"area {area.code!r} has an unknown parent area {area.parent!r}."
            )
    depth: dict[str, int] = {}
    cycles: set[frozenset] = set()
    for area in by_code.values():
        chain, current = [area.code], area
        while current.parent in by_code and current.parent not in depth:
            if current.parent in chain:
                loop = chain[chain.index(current.parent) :]
                if frozenset(loop) not in cycles:
                    cycles.add(frozenset(loop))
                    cycle = " → ".join([*loop, current.parent])
                    problems.add(
                        by_code[loop[0]].line, f"the areas' parents form a cycle ({cycle})."
                    )
                break
            chain.append(current.parent)
            current = by_code[current.parent]
        else:
            base = depth.get(current.parent, 0) if current.parent else 0
            for offset, code in enumerate(reversed(chain), start=1):
                depth[code] = base + offset
    return sorted(by_code.values(), key=lambda area: depth.get(area.code, 0))


def _read_user(entry: _Mapping, problems: Problems) -> UserEntry:
    _unknown_keys(entry, USER_KEYS, problems)
    username = _text(entry, "username", problems, limit=150)
    email = _text(entry, "email", problems, limit=254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.add(entry.line, f"{email!r} is not an email address.")
    level = entry.get("training_level")
    if isinstance(level, str) and level.strip().isdigit():
        level = int(level)
    if level not in User.TrainingLevel.values or isinstance(level, bool):
        problems.add(entry.line, f"user {username!r}: the training level must be 1, 2 or 3.")
        level = 0
    elif level < User.TrainingLevel.LEVEL_2:
        problems.add(
            entry.line,
            f"user {username!r} is an administrator with training level {level}: "
            f"{ADMINISTRATOR_TRAINING}",
        )
    return UserEntry(
        entry.line,
        username,
        _text(entry, "first_name", problems, limit=150),
        _text(entry, "last_name", problems, limit=150),
        email,
        level,
    )


def _read_date(entry: _Mapping, key: str, problems: Problems) -> date | None:
    value = entry.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.add(entry.line, f"the {key.replace('_', ' ')} must be a date such as 2026-04-01.")
        return None


def _read_organisation(entry: _Mapping, area_codes: set[str], problems: Problems):
    _unknown_keys(entry, ORGANISATION_KEYS, problems)
    code = _code(entry, problems, "organisation")
    kind = _text(entry, "kind", problems)
    if kind and kind not in Organisation.Kind.values:
        problems.add(
            entry.line,
            f"unknown organisation kind {kind!r} (one of {', '.join(Organisation.Kind.values)}).",
        )
    covers = entry.get("covers") or []
    if not isinstance(covers, list):
        problems.add(entry.line, "covers must be a list of area codes.")
        covers = []
    covers = list(dict.fromkeys(str(area) for area in covers))
    for area in covers:
        if area not in area_codes:
            problems.add(entry.line, f"organisation {code!r} covers an unknown area {area!r}.")
    administrators = [
        _read_user(user, problems)
        for user in _entries(entry.get("administrators"), entry.line, "administrators", problems)
    ]
    return OrganisationEntry(
        line=entry.line,
        code=code,
        name=_text(entry, "name", problems),
        kind=kind,
        covers=covers,
        designated_officer=_text(entry, "designated_officer", problems, required=False) or None,
        nominated_representative=(
            _text(entry, "nominated_representative", problems, required=False) or None
        ),
        information_sharing_agreement_signed=_read_date(
            entry, "information_sharing_agreement_signed", problems
        ),
        code_of_connection_version=_text(
            entry, "code_of_connection_version", problems, required=False, limit=20
        ),
        administrators=administrators,
    )


def _check_organisations(organisations: list[OrganisationEntry], problems: Problems) -> None:
    codes: dict[str, int] = {}
    names: dict[str, int] = {}
    usernames: dict[str, int] = {}
    for organisation in organisations:
        for seen, value, what in (
            (codes, organisation.code, "code"),
            (names, organisation.name.casefold(), "name"),
        ):
            if value and value in seen:
                problems.add(
                    organisation.line,
                    f"duplicate organisation {what} {value!r} (also on line {seen[value]}).",
                )
            seen.setdefault(value, organisation.line)
        for user in organisation.administrators:
            key = user.username.casefold()
            if key and key in usernames:
                problems.add(
                    user.line,
                    f"duplicate username {user.username!r} (also on line {usernames[key]}).",
                )
            usernames.setdefault(key, user.line)


def parse(text: str) -> Document:
    """The file's areas and organisations, checked against themselves; raises
    PartnershipFileError with every problem found."""
    problems = Problems()
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except (ValueError, TypeError) as error:  # a value YAML itself cannot build
        raise PartnershipFileError([f"line 1: this file cannot be read ({error})."]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise PartnershipFileError(
            [f"line {line}: this is not valid YAML or JSON ({getattr(error, 'problem', error)})."]
        ) from None
    if not isinstance(data, _Mapping):
        raise PartnershipFileError(["line 1: the file must hold areas: and organisations:."])
    _unknown_keys(data, {"partnership", "areas", "organisations"}, problems)
    area_entries = _entries(data.get("areas"), data.line, "areas", problems)
    if not area_entries:
        problems.add(data.line, "the file names no areas.")
    areas = _check_tree([_read_area(entry, problems) for entry in area_entries], problems)
    codes = {area.code for area in areas}
    organisations = [
        _read_organisation(entry, codes, problems)
        for entry in _entries(data.get("organisations"), data.line, "organisations", problems)
    ]
    _check_organisations(organisations, problems)
    if problems:
        raise PartnershipFileError(list(problems))
    return Document(areas=areas, organisations=organisations)


# --- Comparing with the database ----------------------------------------------------------
