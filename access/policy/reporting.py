"""Search, reports, exports (S1-S5): basic search stays within the user's own view; the
ad-hoc reporting module reports county-wide - the user's own partnership - for analysts and
administrators; bulk exports never hold Confidential records.
"""

from __future__ import annotations

from incidents.models import Incident
from reports.models import SavedReport

from .capabilities import may_search, may_use_reporting
from .cases import Action, visible_incidents


def reportable_incidents(user):
    """What the ad-hoc reporting module reports on for `user`: county-wide for analysts and
    administrators (V2), nothing for anyone else."""

    return Incident.objects.for_user(user, Action.REPORT)


def exportable(incidents):
    """Confidential records never leave in a bulk export, whoever asks (V4)."""

    return incidents.exclude(marking=Incident.Marking.CONFIDENTIAL)


def saved_reports_for(user):
    """A user's own saved report definitions, while they may use the module; nobody else's
    are ever listed or opened."""

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

    return Incident.objects.none()
