"""Concurrent edits (SPEC §16): a save based on a stale version is refused, saying what
changed since, and the caller keeps what the user typed."""

from dataclasses import dataclass
from itertools import pairwise


@dataclass
class Change:
    field: str  # the field's human name
    old: str
    new: str
    by: str  # who made the change
    at: object  # when (a datetime)


class StaleEdit(Exception):
    """Someone else saved the record after this user opened it."""

    def __init__(self, changes: list[Change]):
        self.changes = changes
        super().__init__(f"{len(changes)} change(s) since this version was opened")


def changes_since(instance, version: int) -> list[Change]:
    """What changed in `instance` after `version` (from its simple-history records, which
    carry the version number of each save)."""
    records = list(
        instance.history.filter(version__gte=version)
        .select_related("history_user")
        .order_by("version", "history_date")
    )
    changes: list[Change] = []
    for older, newer in pairwise(records):
        delta = newer.diff_against(older, excluded_fields=["version", "updated_at"])
        for change in delta.changes:
            field = instance._meta.get_field(change.field)
            changes.append(
                Change(
                    field=str(field.verbose_name),
                    old="" if change.old is None else str(change.old),
                    new="" if change.new is None else str(change.new),
                    by=str(newer.history_user or "someone"),
                    at=newer.history_date,
                )
            )
    return changes
