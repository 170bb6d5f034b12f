"""Readable history of a record from its django-simple-history rows (SPEC A1)."""

from dataclasses import dataclass, field

from common.display import shown_changes


@dataclass
class HistoryEntry:
    when: object
    who: str
    action: str  # Created / Changed / Deleted
    changes: list = field(default_factory=list)  # (field label, old, new), as pages show them


_ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}
_HIDDEN = {"version", "updated_at", "created_at", "id"}


def history_of(instance, *, limit: int = 200, hidden=()) -> list[HistoryEntry]:
    """Newest first, each change with its field's label and its values as the pages show
    them (`common.display`). The fields in `hidden` are never shown: values other services
    keep without a history row of their own (an incident's current risk, say), which would
    otherwise show as a change by whoever saved next. The history rows come in one query
    (with their authors), the names of the records the changes point at in one per kind of
    record."""
    records = list(
        instance.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    excluded = None
    rows = []
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if len(rows) == limit:
            break
        changes = []
        if older is not None and newer.history_type == "~":
            if excluded is None:
                excluded = sorted((_HIDDEN | set(hidden)) & _field_names(newer))
            changes = newer.diff_against(older, excluded_fields=excluded).changes
        rows.append((newer, changes))
    shown = iter(shown_changes(type(instance), [c for _, changes in rows for c in changes]))
    return [
        HistoryEntry(
            when=newer.history_date,
            who=str(newer.history_user or "System"),
            action=_ACTIONS.get(newer.history_type, newer.history_type),
            changes=[
                (change.label, _show(change.old), _show(change.new))
                for change in (next(shown) for _ in changes)
            ],
        )
        for newer, changes in rows
    ]


def _field_names(record) -> set[str]:
    return {f.name for f in record.instance_type._meta.fields}


def _show(value: str) -> str:
    return value or "(blank)"
