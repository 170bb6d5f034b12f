from .closure import ClosureRequest
from .documents import Document
from .drafts import ComplaintDraft
from .incident import (
    Incident,
    IncidentOrganisationShare,
    IncidentQuerySet,
    IncidentUserShare,
    UrnSequence,
)
from .reference import AggravatingFactor, CaseRules, PenCode, QualifierCode, RiskQuestion
from .risk import RiskAnswer, RiskAssessment
from .tasks import Alert, Task
from .worksheet import WorkingSheetEntry

__all__ = [
    "AggravatingFactor",
    "Alert",
    "CaseRules",
    "ClosureRequest",
    "ComplaintDraft",
    "Document",
    "Incident",
    "IncidentOrganisationShare",
    "IncidentQuerySet",
    "IncidentUserShare",
    "PenCode",
    "QualifierCode",
    "RiskAnswer",
    "RiskAssessment",
    "RiskQuestion",
    "Task",
    "UrnSequence",
    "WorkingSheetEntry",
]
