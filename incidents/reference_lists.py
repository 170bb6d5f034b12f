"""The reference lists administrators keep (PEN codes, qualifier codes, aggravating factors,
interventions, risk questions, retention rules): which model each is and which fields its
pages edit and show. Data about the lists only - the writes are in services/reference.py -
so that the access policy and the audit review can name them without importing services.

Each app registers the lists of its own models when it is ready (the incident's lists
below; people adds interventions, retention adds retention rules), so incidents needs
no other app's models.
"""

from dataclasses import dataclass

from django.db import models

from .models import AggravatingFactor, PenCode, QualifierCode, RiskQuestion


@dataclass(frozen=True)
class ReferenceList:
    slug: str
    title: str
    model: type[models.Model]
    fields: tuple[str, ...]
    columns: tuple[str, ...]
    headers: tuple[str, ...] = ()  # the columns' headings, when not their names
    order: int = 0  # where the list comes on the reference-data page

    def column_headers(self) -> list[str]:
        return list(self.headers) or [column.replace("_", " ") for column in self.columns]


# slug -> list, in page order (register keeps it sorted).
LISTS: dict[str, ReferenceList] = {}


def register(item: ReferenceList) -> None:
    """Add (or replace) a reference list; the page shows them in `order`."""
    lists = {**LISTS, item.slug: item}
    LISTS.clear()
    LISTS.update(sorted(lists.items(), key=lambda pair: pair[1].order))


for _item in (
    ReferenceList(
        "pen-codes", "PEN codes", PenCode, ("code", "label", "active"), ("code", "label"), order=10
    ),
    ReferenceList(
        "qualifier-codes",
        "Police qualifier codes",
        QualifierCode,
        ("code", "label", "active"),
        ("code", "label"),
        order=20,
    ),
    ReferenceList(
        "aggravating-factors",
        "Aggravating factors",
        AggravatingFactor,
        ("code", "label", "active"),
        ("label",),
        order=30,
    ),
    ReferenceList(
        "risk-questions",
        "Risk assessment questions",
        RiskQuestion,
        ("text", "help_text", "weight", "order", "active"),
        ("order", "text", "weight"),
        order=50,
    ),
):
    register(_item)
