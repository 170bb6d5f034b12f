"""Concurrent edits (SPEC §16): a save based on a stale version is refused, saying what
changed since, and the caller keeps what the user typed."""

from dataclasses import dataclass
from itertools import pairwise

from .display import shown_changes

# Never a change anyone made: the bookkeeping of every save.
_BOOKKEEPING = {"version", "updated_at"}


@dataclass
class Change:
    field: str  # the field's label, as people read it
    old: str  # the value as the pages show it ("" for blank)
    new: str
    by: str  # who made the change
    at: object  # when (a datetime)
    name: str = ""  # the field's name


class StaleEdit(Exception):
    """Someone else saved the record after this user opened it."""

    def __init__(self, changes: list[Change]):
        self.changes = changes
        super().__init__(f"{len(changes)} change(s) since this version was opened")


def changes_since(instance, version: int, *, hidden=()) -> list[Change]:
    """What others changed in `instance` after the user opened it at `version`, from its
    simple-history records (which carry the version of each save): each save since the last
    record of that version (the record as the user opened it) against the one before it.
    Changes made before the form was opened are not among them, and nor are the fields in
    `hidden` (values other services keep without a version of their own, which nobody
    edits); the values are as the pages show them (`common.display`)."""
    records = list(
        instance.history.filter(version__gte=version)
        .select_related("history_user")
        .order_by("version", "history_date", "history_id")
    )
    opened = [index for index, record in enumerate(records) if record.version == version]
    records = records[opened[-1] :] if opened else records
    excluded = sorted(_BOOKKEEPING | set(hidden))
    saves = []
    for older, newer in pairwise(records):
        delta = newer.diff_against(older, excluded_fields=excluded)
        saves.append((newer, delta.changes))
    shown = iter(shown_changes(type(instance), [c for _, changes in saves for c in changes]))
    return [
        Change(
            field=change.label,
            old=change.old,
            new=change.new,
            by=str(newer.history_user or "someone"),
            at=newer.history_date,
            name=change.name,
        )
        for newer, changes in saves
        for change in (next(shown) for _ in changes)
    ]
