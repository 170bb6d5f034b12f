"""THE access policy: who may see or do what. Every list, page, API endpoint, search, export,
PDF, download and notification asks this package; nothing else filters records by
organisation, area or group (docs/access-model.md).

- `capabilities`: what a user's group lets them do at all (every `may_*`).
- `cases`: the rule for each action on an incident, as one database condition
  (`incident_scope`), the partnership boundary, `can` and the choice lists.
- `getters`: one record for an action or 404, the denial logged (`deny`).
- `persons`, `reporting`, `administration`, `auditing` (and `audit_visibility`),
  `retention`: the rules of each area, built on the above.

Import it as `from access import policy` and call `policy.<name>`: the names below are the
package's interface.
"""

from .administration import (
    get_organisation_for_suspension,
    get_user_for_administrator,
    get_user_to_change,
    manageable_organisations,
    manageable_users,
    suspendable_organisations,
)
from .audit_visibility import record_visible, visible_event_targets
from .auditing import (
    audit_events_for,
    audit_subjects_for,
    breaches_for,
    disclosures_for,
    get_audit_subject_for_user,
    get_register_entry_for_user,
    own_audit_events,
)
from .capabilities import (
    may_administer_users,
    may_answer_subject_access,
    may_change_account,
    may_keep_registers,
    may_maintain_reference_data,
    may_merge_people,
    may_review_audit,
    may_review_retention,
    may_search,
    may_see_inactive_records,
    may_suspend_partners,
    may_use_reporting,
    may_use_system,
    requires_two_factor,
)
from .cases import (
    EVERYTHING,
    NOTHING,
    Action,
    can,
    covered_areas,
    drafts_for,
    incident_scope,
    may_give_task,
    partnership_areas,
    partnership_organisations,
    partnership_users,
    recording_areas,
    supervisors_of,
    visible_incidents,
    with_allowed_actions,
)
from .getters import (
    MAX_KEY,
    URN_MAX_LENGTH,
    clean_key,
    deny,
    get_case_record,
    get_incident_for_user,
    is_key,
    refuse_page,
)
from .persons import (
    get_person_for_user,
    people_for,
    visible_people,
)
from .reporting import (
    analysis_incidents,
    exportable,
    reportable_incidents,
    saved_reports_for,
)
from .retention import (
    get_incident_for_retention_review,
    get_person_for_subject_access,
    inactive_records_for,
    retention_review_queue,
    subject_access_incidents,
    subject_access_people,
    withheld_subject_access_incidents,
)

__all__ = [
    "EVERYTHING",
    "MAX_KEY",
    "NOTHING",
    "URN_MAX_LENGTH",
    "Action",
    "analysis_incidents",
    "audit_events_for",
    "audit_subjects_for",
    "breaches_for",
    "can",
    "clean_key",
    "covered_areas",
    "deny",
    "disclosures_for",
    "drafts_for",
    "exportable",
    "get_audit_subject_for_user",
    "get_case_record",
    "get_incident_for_retention_review",
    "get_incident_for_user",
    "get_organisation_for_suspension",
    "get_person_for_subject_access",
    "get_person_for_user",
    "get_register_entry_for_user",
    "get_user_for_administrator",
    "get_user_to_change",
    "inactive_records_for",
    "incident_scope",
    "is_key",
    "manageable_organisations",
    "manageable_users",
    "may_administer_users",
    "may_answer_subject_access",
    "may_change_account",
    "may_give_task",
    "may_keep_registers",
    "may_maintain_reference_data",
    "may_merge_people",
    "may_review_audit",
    "may_review_retention",
    "may_search",
    "may_see_inactive_records",
    "may_suspend_partners",
    "may_use_reporting",
    "may_use_system",
    "own_audit_events",
    "partnership_areas",
    "partnership_organisations",
    "partnership_users",
    "people_for",
    "record_visible",
    "recording_areas",
    "refuse_page",
    "reportable_incidents",
    "requires_two_factor",
    "retention_review_queue",
    "saved_reports_for",
    "subject_access_incidents",
    "subject_access_people",
    "supervisors_of",
    "suspendable_organisations",
    "visible_event_targets",
    "visible_incidents",
    "visible_people",
    "with_allowed_actions",
    "withheld_subject_access_incidents",
]
