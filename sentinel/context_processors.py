from django.conf import settings
from django.urls import reverse

from access import policy


def service(request):
    """The service name and the deployment's labels for protective markings (SPEC C7)."""
    labels = settings.MARKING_LABELS[settings.MARKING_SCHEME]
    return {
        "service_name": settings.SERVICE_NAME,
        "marking_labels": labels,
        # Pages that show no case data are marked at the deployment's default level; pages
        # that show records set `protective_marking` to the highest marking among them.
        "default_marking": "restricted",
    }


# Pages under Administration in the navigation (the item is highlighted on each).
ADMIN_PAGES = {
    "admin-users",
    "admin-user-add",
    "admin-user",
    "admin-user-edit",
    "admin-user-enable",
    "admin-user-disable",
    "admin-user-password",
    "admin-user-unlock",
    "admin-user-reset-two-factor",
    "admin-partners",
    "admin-partner-suspend",
    "admin-partner-lift",
    "audit-events",
    "audit-user",
    "audit-export",
    "disclosures",
    "disclosure-add",
    "disclosure-detail",
    "disclosure-report",
    "breaches",
    "breach-add",
    "breach-detail",
    "breach-edit",
    "retention-queue",
    "retention-decide",
    "subject-access",
    "subject-access-person",
}


def navigation(request):
    """The service navigation for a signed-in user, with the current item marked.

    Each item: (label, url name, url names where it is the current page, url names of pages
    below it).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    case_pages = {
        "incident-detail",
        "incident-edit",
        "incident-history",
        "document-upload",
        "risk-assess",
        "risk-detail",
        "entry-add",
        "entry-correct",
        "task-add",
        "alert-send",
        "involvement-add",
        "involvement-detail",
        "person-detail",
        "person-edit",
        "person-history",
        "closure-submit",
        "case-reopen",
        "incident-retention",
    }
    items = [("Incidents", "home", {"home"}, case_pages)]
    if user.group != "basic":
        items.insert(0, ("Dashboard", "dashboard", {"dashboard"}, set()))
        items.append(("Inbox", "inbox", {"inbox"}, {"task-detail"}))
        below = {"person-search", "people-merge"}
        if not policy.may_use_reporting(user):
            below.add("hotspots")  # reporting users reach hotspots from Reports
        items.append(("Search", "search", {"search"}, below))
    if user.has_perm("incidents.add_incident"):
        items.append(
            (
                "Log a complaint",
                "log-complaint",
                {"log-complaint"},
                {
                    "complaint-logged",
                    "complaint-tasks",
                    "complaint-section",
                    "complaint-person-add",
                },
            )
        )
    if user.has_perm("incidents.close_incident"):
        items.append(("Closure queue", "closure-queue", {"closure-queue"}, {"closure-decide"}))
    if user.has_perm("incidents.maintain_reference_data"):
        items.append(
            (
                "Reference data",
                "reference-index",
                {"reference-index"},
                {"reference-list", "reference-add", "reference-edit", "reference-case-rules"},
            )
        )
    if policy.may_use_reporting(user):
        items.append(
            (
                "Reports",
                "report",
                {"report"},
                {"report-purpose", "statistics", "hotspots", "report-saved-run"},
            )
        )
    if policy.may_administer_users(user):
        # Users, partners, the audit trail and the registers are reached from here; the
        # url names below are those of access/administration/urls.py and audit/urls.py.
        items.append(("Administration", "administration", {"administration"}, ADMIN_PAGES))
    elif policy.may_review_audit(user):
        items.append(("Audit", "audit-events", {"audit-events"}, {"audit-user"}))
    match = getattr(request, "resolver_match", None)
    here = match.url_name if match else None
    return {
        "navigation": [
            {
                "label": label,
                "href": reverse(name),
                "current": here in current,
                "active": here in below,
            }
            for label, name, current, below in items
        ]
    }
