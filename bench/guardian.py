"""The typical approach the benchmark compares our access policy with (issue 8): the same
access expressed as django-guardian per-object grants, as a typical Django project would
store it, and read with guardian's `get_objects_for_user`. The application never reads
these grants; only bench/measure.py's scoping comparison does.
"""

from __future__ import annotations

from contextlib import contextmanager


def write_typical_grants(loader) -> int:
    """What a typical django-guardian project stores to give the same access as our
    policy, in guardian's generic tables: a grant per incident to the group of every
    organisation that may see it (by jurisdiction - the police's is every area - unless
    Confidential; as lead organisation; by an explicit share), whose members are its
    users; and a grant per incident to each user who may see it themselves (its lead
    officer; its author unless Confidential; an explicit share; an open task)."""
    from django.contrib.auth.models import Group

    from access.models import User

    groups = {
        o.pk: Group.objects.create(name=f"Typical guardian grants: {o.name}")
        for o in loader.organisations
    }
    memberships = User.groups.through
    memberships.objects.bulk_create(
        memberships(user_id=user_id, group_id=groups[organisation_id].pk)
        for user_id, organisation_id in User.objects.values_list("pk", "organisation_id")
    )
    loader.run(
        "typical grants",
        "CREATE TEMP TABLE bench_typical_group (organisation_id bigint, group_id int) "
        "ON COMMIT DROP",
    )
    for organisation_id, group in groups.items():
        loader.run(
            "typical grants",
            "INSERT INTO bench_typical_group VALUES (%(o)s, %(g)s)",
            {"o": organisation_id, "g": group.pk},
        )
    loader.run(
        "typical grants",
        """
        CREATE TEMP TABLE bench_cover ON COMMIT DROP AS
        SELECT DISTINCT j.organisation_id, a.id AS area_id
        FROM access_jurisdiction j
        JOIN access_area top ON top.id = j.area_id
        JOIN access_area a ON a.path LIKE top.path || '%%'
        """,
    )
    permission = """
        SELECT p.id, p.content_type_id FROM auth_permission p
        JOIN django_content_type ct ON ct.id = p.content_type_id
        WHERE ct.app_label = 'incidents' AND ct.model = 'incident'
          AND p.codename = 'view_incident'
    """
    groups_granted = loader.run(
        "typical grants",
        f"""
        INSERT INTO guardian_groupobjectpermission (
            permission_id, content_type_id, object_pk, group_id)
        SELECT p.id, p.content_type_id, grant_.incident_id::text, tg.group_id
        FROM (
            SELECT id AS incident_id, lead_organisation_id AS organisation_id
            FROM incidents_incident
            UNION
            SELECT i.id, c.organisation_id
            FROM incidents_incident i JOIN bench_cover c ON c.area_id = i.area_id
            WHERE i.marking <> 'confidential'
            UNION
            SELECT s.content_object_id, o.id
            FROM incidents_incidentorganisationshare s
            JOIN access_organisation o ON o.share_group_id = s.group_id
        ) grant_
        JOIN bench_typical_group tg ON tg.organisation_id = grant_.organisation_id
        CROSS JOIN ({permission}) p
        """,
    )
    return groups_granted + loader.run(
        "typical grants",
        f"""
        INSERT INTO guardian_userobjectpermission (
            permission_id, content_type_id, object_pk, user_id)
        SELECT p.id, p.content_type_id, grant_.incident_id::text, grant_.user_id
        FROM (
            SELECT id AS incident_id, lead_officer_id AS user_id
            FROM incidents_incident WHERE lead_officer_id IS NOT NULL
            UNION
            SELECT id, created_by_id FROM incidents_incident
            WHERE marking <> 'confidential'
            UNION
            SELECT content_object_id, user_id FROM incidents_incidentusershare
            UNION
            SELECT incident_id, assigned_to_id FROM incidents_task WHERE status = 'open'
        ) grant_
        CROSS JOIN ({permission}) p
        """,
    )


@contextmanager
def generic_guardian_grants():
    """Make django-guardian use its generic per-object tables for incidents, as a project
    without our direct share tables would (guardian skips direct models marked disabled)."""
    from incidents.models import IncidentOrganisationShare, IncidentUserShare

    models = (IncidentUserShare, IncidentOrganisationShare)
    for model in models:
        model.enabled = False
    try:
        yield
    finally:
        for model in models:
            del model.enabled
