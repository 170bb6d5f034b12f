"""Readable history of a record from its django-simple-history rows (SPEC A1)."""

from dataclasses import dataclass, field


@dataclass
class HistoryEntry:
    when: object
    who: str
    action: str  # Created / Changed / Deleted
    changes: list = field(default_factory=list)  # (field name, old, new)


_ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}
_HIDDEN = {"version", "updated_at", "created_at", "id"}


def history_of(instance, *, limit: int = 200) -> list[HistoryEntry]:
    """Newest first. Two queries: the history rows (with their authors) and nothing per row
    (each row is compared with the next older one in memory)."""
    records = list(
        instance.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    entries = []
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if len(entries) == limit:
            break
        changes = []
        if older is not None and newer.history_type == "~":
            delta = newer.diff_against(older, excluded_fields=list(_HIDDEN & _field_names(newer)))
            for change in delta.changes:
                name = str(instance._meta.get_field(change.field).verbose_name)
                changes.append((name, _show(change.old), _show(change.new)))
        entries.append(
            HistoryEntry(
                when=newer.history_date,
                who=str(newer.history_user or "System"),
                action=_ACTIONS.get(newer.history_type, newer.history_type),
                changes=changes,
            )
        )
    return entries


def _field_names(record) -> set[str]:
    return {f.name for f in record.instance_type._meta.fields}


def _show(value) -> str:
    if value is None or value == "":
        return "(blank)"
    return str(value)
