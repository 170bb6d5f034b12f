"""The ad-hoc reporting module (SPEC S2, V2, A2): who may use it, the stated purpose,
county-wide scope without other partners' Confidential cases, filters, grouped summaries,
sorting and paging by POST, saved definitions, the audit trail and constant queries."""

import datetime
import re

import pytest
from django.urls import reverse

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import AggravatingFactor
from incidents.services import log_complaint
from people.models import InterventionType, Involvement
from people.services import involve, record_intervention
from reports.models import SavedReport
from tests.reports.conftest import NOW, reported
from tests.support.posted import typed_date


def report(client, **data):
    return client.post(reverse("report"), {"subject": "incidents", **data})


def urns(response) -> set[str]:
    return set(re.findall(r"ASB-\d{4}-\d{6}", response.content.decode()))


# --- Who may use it ------------------------------------------------------------------------


@pytest.mark.parametrize("group", list(UserGroup))
def test_only_analysts_and_administrators_reach_the_module(client, make_user, group):
    user = make_user("Blaby District Council", group)
    client.force_login(user)
    pages = [reverse("report"), reverse("report-purpose")]
    for url in pages:
        response = client.get(url)
        if group in (UserGroup.ANALYST, UserGroup.ADMINISTRATOR):
            assert response.status_code in (200, 302)
        else:
            assert response.status_code == 404, url
    posted = client.post(reverse("report"), {"subject": "incidents"})
    assert posted.status_code == (
        302 if group in (UserGroup.ANALYST, UserGroup.ADMINISTRATOR) else 404
    )


def test_the_purpose_comes_first_and_is_recorded(client, analyst):
    client.force_login(analyst)
    response = client.get(reverse("report"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("report-purpose"))

    page = client.get(response["Location"])
    assert "Use it only for a specific, lawful purpose" in page.content.decode()

    too_short = client.post(response["Location"], {"purpose": "stuff", "next": "/reports/"})
    assert too_short.status_code == 200
    assert "at least 10 characters" in too_short.content.decode()
    assert "stuff</textarea>" in too_short.content.decode()

    stated = client.post(
        response["Location"], {"purpose": "Repeat victims review for the JAG", "next": "/reports/"}
    )
    assert stated.status_code == 302 and stated["Location"] == "/reports/"
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.REPORT_PURPOSE_STATED)
    assert event.actor == analyst and event.justification == "Repeat victims review for the JAG"

    page = client.get(reverse("report"))
    assert page.status_code == 200
    assert "Repeat victims review for the JAG" in page.content.decode()


def test_the_purpose_page_never_redirects_off_site(client, analyst):
    client.force_login(analyst)
    response = client.post(
        reverse("report-purpose"),
        {"purpose": "Hotspot analysis this month", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("report")


# --- Scope ---------------------------------------------------------------------------------


def test_an_analyst_reports_county_wide_but_not_other_partners_confidential(
    reporting_client, analyst, world
):
    client = reporting_client(analyst)
    found = urns(report(client))
    assert world["rutland_race"].urn in found  # out of their own area: county-wide (V2)
    assert world["blaby_noise"].urn in found
    assert world["blaby_confidential"].urn in found  # their organisation leads it
    assert world["rutland_confidential"].urn not in found  # V4


def test_out_of_area_rows_are_not_links(reporting_client, analyst, world):
    content = report(reporting_client(analyst)).content.decode()
    blaby = world["blaby_noise"].urn
    rutland = world["rutland_race"].urn
    assert f'href="/incidents/{blaby}/"' in content
    assert f'href="/incidents/{rutland}/"' not in content
    assert rutland in content


def test_an_administrator_reports_county_wide(reporting_client, make_user, world):
    admin = make_user("Blaby District Council", UserGroup.ADMINISTRATOR)
    assert world["rutland_race"].urn in urns(report(reporting_client(admin)))


# --- Filters -------------------------------------------------------------------------------


def test_filter_by_aggravating_factor_and_date(reporting_client, analyst, world):
    client = reporting_client(analyst)
    start = (NOW - datetime.timedelta(days=30)).date().isoformat()
    found = urns(report(client, aggravating_factors=["race"], reported_from=start))
    assert found == {world["rutland_race"].urn}
    found = urns(report(client, reported_to=(NOW - datetime.timedelta(days=300)).date()))
    assert found == {world["rutland_old"].urn}


def test_filter_by_area_category_status_and_organisation(
    reporting_client, analyst, world, partnership
):
    client = reporting_client(analyst)
    rutland_area = partnership.areas["Rutland"].pk
    found = urns(report(client, areas=[rutland_area]))
    assert found == {world["rutland_race"].urn, world["rutland_old"].urn}
    assert urns(report(client, categories=["nuisance"])) == {world["blaby_noise"].urn}
    blaby_org = world["users"]["blaby"].organisation_id
    found = urns(report(client, organisations=[blaby_org]))
    assert found == {world["blaby_noise"].urn, world["blaby_confidential"].urn}
    assert urns(report(client, statuses=["closed"])) == set()


def test_filter_by_words(reporting_client, analyst, world):
    found = urns(report(reporting_client(analyst), text="music"))
    assert found == {world["blaby_noise"].urn}


def test_filter_by_role_and_intervention(reporting_client, analyst, world, partnership):
    blaby = world["users"]["blaby"]
    noise = world["blaby_noise"]
    perpetrator = involve(
        noise, by=blaby, role=Involvement.Role.PERPETRATOR,
        person_fields={"given_name": "Quentin", "family_name": "Oddlebury"},
    )  # fmt: skip
    warning = InterventionType.objects.filter(active=True).first()
    record_intervention(
        perpetrator, by=blaby, type=warning, issuing_organisation=blaby.organisation,
        status="issued", issued_on=NOW.date(),
    )  # fmt: skip
    involve(
        world["rutland_race"], by=world["users"]["rutland"], role=Involvement.Role.VICTIM,
        person_fields={"given_name": "Vera", "family_name": "Quillfeather"},
    )  # fmt: skip
    client = reporting_client(analyst)
    assert urns(report(client, roles=["perpetrator"])) == {noise.urn}
    assert urns(report(client, intervention_types=[warning.pk])) == {noise.urn}

    people = report(client, subject="people", roles=["victim"]).content.decode()
    assert "Quillfeather" in people and "Oddlebury" not in people

    involvements = report(client, subject="involvements").content.decode()
    assert "Oddlebury" in involvements and "Quillfeather" in involvements
    assert warning.label in involvements


def checked(content: str, name: str) -> set[str]:
    """The values of the ticked checkboxes called `name`."""
    boxes = re.findall(rf'<input[^>]*name="{name}"[^>]*>', content)
    return {re.search(r'value="([^"]*)"', box).group(1) for box in boxes if " checked" in box}


def test_the_filters_are_checkboxes_in_a_filter_panel(reporting_client, analyst, partnership):
    content = reporting_client(analyst).get(reverse("report")).content.decode()
    assert not re.search(r"<select[^>]*multiple", content)
    assert "Hold Ctrl" not in content
    for name in ("areas", "organisations", "intervention_types", "categories", "statuses"):
        assert re.search(rf'<input class="govuk-checkboxes__input"[^>]*name="{name}"', content)
    blaby = partnership.areas["Blaby"]
    assert re.search(rf'name="areas" type="checkbox" value="{blaby.pk}"', content)
    assert 'class="moj-filter"' in content and ">Apply filters</button>" in content
    assert "Selected filters" not in content  # nothing applied yet


def test_several_values_of_each_filter(reporting_client, analyst, world, partnership):
    client = reporting_client(analyst)
    areas = [partnership.areas["Rutland"].pk, partnership.areas["Blaby"].pk]
    found = urns(report(client, areas=areas, categories=["nuisance", "personal"]))
    assert found == {world["blaby_noise"].urn, world["rutland_race"].urn}
    organisations = [user.organisation_id for user in world["users"].values()]
    found = urns(report(client, organisations=organisations, statuses=["open", "closed"]))
    assert world["blaby_noise"].urn in found and world["rutland_race"].urn in found


def test_selected_filters_are_tags_that_each_remove_their_filter(
    reporting_client, analyst, world, partnership
):
    client = reporting_client(analyst)
    rutland, blaby = partnership.areas["Rutland"].pk, partnership.areas["Blaby"].pk
    start = (NOW - datetime.timedelta(days=30)).date()
    filters = {
        "areas": [rutland, blaby],
        "categories": ["nuisance"],
        **typed_date("reported_from", start),
    }
    response = report(client, **filters)
    assert urns(response) == {world["blaby_noise"].urn}
    content = response.content.decode()
    assert "Selected filters" in content
    tags = dict(
        re.findall(
            r'<button type="submit" class="moj-filter__tag" name="remove_filter" '
            r'value="([^"]+)"><span class="govuk-visually-hidden">Remove this filter:</span> '
            r"([^<]+)</button>",
            content,
        )
    )
    assert tags == {
        f"areas={rutland}": "Rutland",
        f"areas={blaby}": "Blaby",
        "categories=nuisance": "Nuisance",
        "reported_from": start.strftime("%-d %B %Y"),
    }

    # A tag runs the report again without its filter: the rest stay ticked.
    without = report(client, **filters, remove_filter="categories=nuisance")
    assert urns(without) == {
        world[name].urn for name in ("blaby_noise", "blaby_confidential", "rutland_race")
    }
    content = without.content.decode()
    assert checked(content, "areas") == {str(rutland), str(blaby)}
    assert checked(content, "categories") == set()
    without = report(client, **filters, remove_filter=f"areas={blaby}")
    assert checked(without.content.decode(), "areas") == {str(rutland)}
    assert urns(without) == set()  # Rutland has no nuisance case in the last 30 days
    run = AuditEvent.objects.filter(event_type=AuditEvent.Type.REPORT_RUN).latest("id")
    assert run.details["filters"]["areas"] == [rutland]
    assert run.justification == "Monthly hotspot analysis for the tasking meeting"
    # The date's tag clears its three boxes.
    without = report(client, **filters, remove_filter="reported_from")
    page = without.content.decode()
    for part in ("day", "month", "year"):
        box = re.search(rf'<input [^>]*name="reported_from_{part}"[^>]*>', page)
        assert "value=" not in box[0]


def test_clear_filters_keeps_what_to_list_and_runs_nothing(reporting_client, analyst, world):
    client = reporting_client(analyst)
    runs = AuditEvent.objects.filter(event_type=AuditEvent.Type.REPORT_RUN)
    before = runs.count()
    response = report(
        client, subject="people", categories=["nuisance"], text="music", clear_filters="1"
    )
    content = response.content.decode()
    assert response.status_code == 200 and runs.count() == before
    assert checked(content, "categories") == set() and 'value="music"' not in content
    assert re.search(r'name="subject" type="radio" value="people" checked', content)


def test_ticked_boxes_are_kept_when_the_filters_have_an_error(
    reporting_client, analyst, world, partnership
):
    rutland = partnership.areas["Rutland"].pk
    organisation = world["users"]["blaby"].organisation_id
    response = report(
        reporting_client(analyst),
        areas=[rutland],
        organisations=[organisation],
        risk_levels=["high"],
        reported_from="2026-06-10",
        reported_to="2026-06-01",
    )
    content = response.content.decode()
    assert "The end date must be the same as or after the start." in content
    assert checked(content, "areas") == {str(rutland)}
    assert checked(content, "organisations") == {str(organisation)}
    assert checked(content, "risk_levels") == {"high"}
    assert "Selected filters" not in content  # nothing ran


def test_bad_dates_keep_what_was_typed(reporting_client, analyst, world):
    response = report(
        reporting_client(analyst),
        **typed_date("reported_from", datetime.date(2026, 6, 10)),
        **typed_date("reported_to", datetime.date(2026, 6, 1)),
        text="graffiti",
    )
    content = response.content.decode()
    assert "The end date must be the same as or after the start." in content
    assert 'value="graffiti"' in content and 'name="reported_from_day" value="10"' in content
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.REPORT_RUN).exists()


def test_grouped_summary_area_by_category(reporting_client, analyst, world):
    content = report(
        reporting_client(analyst), group_rows="area", group_columns="category"
    ).content.decode()
    assert "Incidents by area and category" in content
    rutland_row = re.search(r">Rutland</th>(.*?)</tr>", content, re.S).group(1)
    counts = re.findall(r"numeric\">(\d+)<", rutland_row)
    # Rutland: one environmental, one personal (the other partner's Confidential case not
    # counted); columns are sorted by label: Environmental, Nuisance, Personal, (blank).
    assert sum(int(c) for c in counts) == 2


# --- Sorting, paging, audit ----------------------------------------------------------------


def test_sorting_and_paging_travel_in_the_body_and_are_logged(
    reporting_client, analyst, world, partnership
):
    rutland = world["users"]["rutland"]
    for n in range(55):
        log_complaint(by=rutland, area=partnership.areas["Rutland"],
                      description=f"Litter {n}", received_at=reported(n))  # fmt: skip
    client = reporting_client(analyst)
    first = report(client, text="litter", sort="-reported")
    assert "page 1 of 2" in first.content.decode()
    second = report(client, text="litter", current_sort="-reported", page="2")
    assert "page 2 of 2" in second.content.decode()
    assert urns(first).isdisjoint(urns(second))

    runs = AuditEvent.objects.filter(event_type=AuditEvent.Type.REPORT_RUN).order_by("id")
    assert [run.details["page"] for run in runs] == [1, 2]
    last = runs.last()
    assert last.actor == analyst
    assert last.justification == "Monthly hotspot analysis for the tasking meeting"
    assert last.details["filters"] == {"subject": "incidents", "text": "litter"}
    assert last.details["row_count"] == 55
    assert last.details["sort"] == "-reported"
    # Nothing the user typed is in any URL the page links to or posts to.
    for url in re.findall(r'(?:href|action|formaction)="([^"]*)"', second.content.decode()):
        assert ("litter" not in url.lower() and "?" not in url) or "next=" in url


# --- Saved reports -------------------------------------------------------------------------


def test_save_open_and_delete_a_report(reporting_client, analyst, make_user, world):
    client = reporting_client(analyst)
    response = client.post(
        reverse("report-save"),
        {"subject": "incidents", "aggravating_factors": ["race"], "name": "Race hate monthly"},
    )
    saved = SavedReport.objects.get(owner=analyst)
    assert response["Location"] == reverse("report-saved-run", args=[saved.pk])
    assert saved.definition["aggravating_factors"] == ["race"]
    opened = client.get(response["Location"]).content.decode()
    assert "Race hate monthly" in opened
    assert re.search(r'value="race"\s+checked', opened)

    # Saving again under the same name replaces it.
    client.post(reverse("report-save"), {"subject": "people", "name": "Race hate monthly"})
    assert SavedReport.objects.get(owner=analyst).definition["subject"] == "people"

    other = make_user("Rutland County Council", UserGroup.ANALYST)
    other_client = reporting_client(other)
    assert other_client.get(reverse("report-saved-run", args=[saved.pk])).status_code == 404
    assert other_client.post(reverse("report-saved-delete", args=[saved.pk])).status_code == 404

    client = reporting_client(analyst)  # the same test client: sign the analyst back in
    client.post(reverse("report-saved-delete", args=[saved.pk]))
    assert not SavedReport.objects.exists()
    types = set(AuditEvent.objects.values_list("event_type", flat=True))
    assert {AuditEvent.Type.REPORT_SAVED, AuditEvent.Type.REPORT_DELETED} <= types


def test_saving_needs_a_name(reporting_client, analyst, world):
    response = reporting_client(analyst).post(
        reverse("report-save"), {"subject": "incidents", "text": "music", "name": ""}
    )
    content = response.content.decode()
    assert "Enter a name for the report." in content and 'value="music"' in content


# --- Queries -------------------------------------------------------------------------------


@pytest.mark.parametrize("subject", ["incidents", "people", "involvements"])
def test_result_pages_run_a_constant_number_of_queries(
    reporting_client, analyst, partnership, make_user, django_assert_num_queries, subject
):
    rutland = make_user("Rutland County Council", UserGroup.OPERATIONAL)
    race = AggravatingFactor.objects.get(code="race")
    client = reporting_client(analyst)

    def add(n):
        for i in range(n):
            incident = log_complaint(
                by=rutland, area=partnership.areas["Rutland"], description=f"Case {i}",
                aggravating_factors=[race],
            )  # fmt: skip
            involve(incident, by=rutland, role="victim",
                    person_fields={"given_name": "Ann", "family_name": f"Example{i}"})  # fmt: skip

    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            response = report(client, subject=subject, group_rows="area", group_columns="month")
        assert response.status_code == 200
        return len(queries)

    add(1)
    one = count_queries()
    add(6)
    assert count_queries() == one


def test_the_module_links_to_the_users_own_logged_use(reporting_client, analyst):
    page = reporting_client(analyst).get(reverse("report")).content.decode()
    assert f'href="{reverse("audit-mine")}"' in page
