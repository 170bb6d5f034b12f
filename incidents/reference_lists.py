"""The reference lists administrators keep (PEN codes, qualifier codes, aggravating factors,
interventions, risk questions, retention rules): which model each is and which fields its
pages edit and show. Data about the lists only - the writes are in services/reference.py -
so that the access policy and the audit review can name them without importing services.
"""

from dataclasses import dataclass

from django.db import models

from people.models import InterventionType
from retention.models import RetentionRule

from .models import AggravatingFactor, PenCode, QualifierCode, RiskQuestion


@dataclass(frozen=True)
class ReferenceList:
    slug: str
    title: str
    model: type[models.Model]
    fields: tuple[str, ...]
    columns: tuple[str, ...]
    headers: tuple[str, ...] = ()  # the columns' headings, when not their names

    def column_headers(self) -> list[str]:
        return list(self.headers) or [column.replace("_", " ") for column in self.columns]


LISTS = {
    item.slug: item
    for item in (
        ReferenceList("pen-codes", "PEN codes", PenCode, ("code", "label", "active"),
                      ("code", "label")),
        ReferenceList("qualifier-codes", "Police qualifier codes", QualifierCode,
                      ("code", "label", "active"), ("code", "label")),
        ReferenceList("aggravating-factors", "Aggravating factors", AggravatingFactor,
                      ("code", "label", "active"), ("label",)),
        ReferenceList("intervention-types", "Interventions and disposals", InterventionType,
                      ("code", "label", "active"), ("label",)),
        ReferenceList("risk-questions", "Risk assessment questions", RiskQuestion,
                      ("text", "help_text", "weight", "order", "active"), ("order", "text",
                                                                           "weight")),
        # Retention rules (SPEC D1, M2): which closed incidents are deleted when.
        ReferenceList("retention-rules", "Retention rules", RetentionRule,
                      ("name", "category", "outcome", "marking", "retain_for_months",
                       "deletion", "active"),
                      ("name", "describe_criteria", "retain_for_months", "get_deletion_display"),
                      ("Name", "Applies to", "Months after closure", "When due")),
    )
}  # fmt: skip
