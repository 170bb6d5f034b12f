"""Erasure leaves nothing of a case behind (issue #24, data protection): not in the history
of records removed before the erasure, not in the audit log's details or justifications,
not in form drafts typed on the case's pages."""

import re

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from access.drafts import save_draft
from access.models import FormDraft
from audit.models import AuditEvent, Disclosure
from audit.registers import record_disclosure
from incidents.models import Incident, Task
from retention import sweep
from retention.erasure import ERASED_TEXT

from .conftest import years_ago
from .no_trace import traces
from .planting import unique


def test_reasons_for_returning_and_reopening_a_case_go_with_it(plant):
    case = plant(outcome="withdrawn", closed_on=years_ago(3), rework=True)
    reasons = case.typed("Victim not yet told", "She rang again at night")
    assert len(reasons) == 2
    assert set(traces(reasons)) == set(reasons)

    assert sweep.run_sweep().erased == [case.incident.urn]

    assert not Incident.objects.filter(pk=case.incident.pk).exists()
    assert traces(case.secrets + case.markers) == {}


def _routes(patterns, prefix: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def _pages_naming_an_incident(urn: str) -> list[str]:
    """Every page whose address names an incident by its URN, with any other part of the
    address filled in (the API takes no drafts: it has no forms)."""
    pages = []
    for route in _routes(get_resolver().url_patterns):
        if "<str:urn>" in route and not route.startswith("api/"):
            path = route.replace("<str:urn>", urn)
            pages.append("/" + re.sub(r"<(\w+:)?\w+>", "1", path))
    return pages


def test_form_drafts_typed_on_any_page_of_the_case_go_with_it(plant, officer, administrator):
    case = plant(outcome="withdrawn", closed_on=years_ago(3))
    other = plant(outcome="resolved", closed_on=years_ago(1))
    task = Task.objects.get(incident=case.incident)
    other_task = Task.objects.get(incident=other.incident)
    pages = {
        # The case's task page and its retention review page are not under /incidents/.
        reverse("task-detail", args=[task.pk]): False,
        reverse("retention-decide", args=[case.incident.urn]): False,
        reverse("subject-access-person", args=[case.people[0].pk]): False,
        **dict.fromkeys(_pages_naming_an_incident(case.incident.urn), False),
        reverse("task-detail", args=[other_task.pk]): True,
        reverse("retention-decide", args=[other.incident.urn]): True,
        reverse("subject-access-person", args=[other.people[0].pk]): True,
        **dict.fromkeys(_pages_naming_an_incident(other.incident.urn), True),
    }
    assert "/retention/review/" + case.incident.urn + "/" in pages
    typed = unique("Typed before the time-out")
    for path in pages:
        for user in (officer, administrator):
            save_draft(user, path=path, form_key="form-0", data={"note": [f"{typed} {path}"]})

    assert sweep.run_sweep().erased == [case.incident.urn]

    kept = set(FormDraft.objects.values_list("path", flat=True))
    assert kept == {path for path, stays in pages.items() if stays}


def test_a_disclosure_about_an_erased_case_keeps_only_what_says_nothing_about_it(
    plant, administrator
):
    case = plant(outcome="withdrawn", closed_on=years_ago(3))
    typed = {
        "information": unique("Her address and the dates of the incidents"),
        "subject": unique("The victim"),
        "recipient": unique("Sam Carter, tenancy officer"),
        "recipient_organisation": unique("Longhouse Housing"),
        "justification": unique("She is at risk at home"),
        "authorised_by": unique("Jo Bloggs, information manager"),
    }
    disclosure = record_disclosure(
        by=administrator,
        incident=case.incident,
        disclosed_on=case.incident.closed_at.date(),
        reason=Disclosure.Reason.SAFEGUARDING,
        legal_gateway=Disclosure.Gateway.CDA_S115,
        **typed,
    )
    texts = list(typed.values())
    assert set(traces(texts)) == set(texts)

    assert sweep.run_sweep().erased == [case.incident.urn]

    assert traces(texts) == {}
    kept = Disclosure.objects.get(pk=disclosure.pk)
    # The register still says a disclosure was made, when, by whom, why and under which
    # gateway, about which (erased) incident: it still counts in the disclosure report (A5).
    assert (kept.incident_id, kept.incident_urn, kept.disclosed_on) == (
        None,
        case.incident.urn,
        disclosure.disclosed_on,
    )
    assert (kept.organisation, kept.recorded_by, kept.reason, kept.legal_gateway) == (
        administrator.organisation,
        administrator,
        Disclosure.Reason.SAFEGUARDING,
        Disclosure.Gateway.CDA_S115,
    )
    assert {getattr(kept, name) for name in typed} == {ERASED_TEXT}
    assert {row.information for row in kept.history.all()} == {ERASED_TEXT}
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.DISCLOSURE_RECORDED)
    assert not any(text in f"{event.justification} {event.details}" for text in texts)
