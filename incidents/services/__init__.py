"""Every write to an incident and what hangs off it goes through these modules."""

from .incident import log_complaint, next_urn, update_incident

__all__ = ["log_complaint", "next_urn", "update_incident"]
