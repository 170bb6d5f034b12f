"""Issue #5's analyst journey: state a purpose, run a county-wide report filtered by
aggravating factor and date, save it, export CSV, print a PDF, open the hotspot map."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import AggravatingFactor
from incidents.services import log_complaint
from reports.models import SavedReport

from .conftest import look_at, sign_in
from .dates import fill_date

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_analyst_reports_exports_prints_and_maps(page, partnership, make_user):
    make_user("Blaby District Council", UserGroup.ANALYST, username="analyst")
    rutland_officer = make_user("Rutland County Council", UserGroup.OPERATIONAL)
    race = AggravatingFactor.objects.get(code="race")
    now = timezone.now()
    wanted = log_complaint(
        by=rutland_officer, area=partnership.areas["Rutland"],
        description="Racist abuse shouted at a shopkeeper", aggravating_factors=[race],
        received_at=now - timedelta(days=3), latitude=Decimal("52.6600"),
        longitude=Decimal("-0.6400"), address="3 Market Street", postcode="LE15 6AA",
    )  # fmt: skip
    too_old = log_complaint(
        by=rutland_officer, area=partnership.areas["Rutland"],
        description="Racist graffiti on a garage", aggravating_factors=[race],
        received_at=now - timedelta(days=200),
    )  # fmt: skip
    unrelated = log_complaint(
        by=rutland_officer, area=partnership.areas["Rutland"], description="Loud music",
        received_at=now - timedelta(days=2), latitude=Decimal("52.6610"),
        longitude=Decimal("-0.6410"),
    )  # fmt: skip

    sign_in(page, "analyst")
    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("heading", name="Before you run reports").wait_for()
    look_at(page, "51-report-purpose")
    page.get_by_label("Why are you running reports today?").fill(
        "Race hate incidents review for the county tasking group"
    )
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Ad-hoc report").wait_for()

    # The filters are GOV.UK checkboxes in MoJ's filter panel: several ticked at once.
    assert page.locator("select[multiple]").count() == 0
    filters = page.locator(".moj-filter")
    filters.get_by_role("checkbox", name="Race", exact=True).check()
    filters.get_by_role("checkbox", name="Rutland", exact=True).check()
    filters.get_by_role("checkbox", name="Blaby", exact=True).check()
    fill_date(filters, "Reported from", (now - timedelta(days=30)).date())
    look_at(page, "52a-report-filters")
    with page.expect_navigation():
        filters.get_by_role("button", name="Apply filters").click()
    results = page.locator("table").last.inner_text()
    assert wanted.urn in results
    assert too_old.urn not in results and unrelated.urn not in results
    assert page.url.endswith("/reports/")  # nothing typed is in the address
    # What is applied shows as tags; each one takes its filter away.
    selected = page.locator(".moj-filter__selected")
    assert selected.get_by_role("button", name="Remove this filter: Blaby").is_visible()
    look_at(page, "52-report-results")
    with page.expect_navigation():
        selected.get_by_role("button", name="Remove this filter: Blaby").click()
    assert not filters.get_by_role("checkbox", name="Blaby", exact=True).is_checked()
    assert filters.get_by_role("checkbox", name="Rutland", exact=True).is_checked()
    assert wanted.urn in page.locator("table").last.inner_text()
    # Enter in the words box applies the filters (it does not press the first tag).
    with page.expect_navigation():
        filters.get_by_label("Words in the description or address, or a reference").press("Enter")
    assert selected.get_by_role("button", name="Remove this filter: Rutland").is_visible()
    assert selected.get_by_role("button", name="Remove this filter: Race").is_visible()

    # "Hide filter" gives the results the page's whole width.
    narrow = page.locator(".app-table-scroll").last.bounding_box()["width"]
    page.get_by_role("button", name="Hide filter").click()
    assert page.locator(".app-table-scroll").last.bounding_box()["width"] > narrow + 300
    page.get_by_role("button", name="Show filter").click()

    # On a narrow screen the filter hides behind a button, and the results come first.
    page.set_viewport_size({"width": 390, "height": 844})
    show = page.get_by_role("button", name="Show filter")
    show.wait_for()
    assert not filters.get_by_role("button", name="Apply filters").is_visible()
    show.click()
    filters.get_by_role("button", name="Apply filters").wait_for()
    look_at(page, "52b-report-filter-narrow")
    page.get_by_role("button", name="Close").click()
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_text("Save these filters as a report").click()
    page.get_by_label("Name this report").fill("Race hate, last 30 days")
    page.get_by_role("button", name="Save report").click()
    page.get_by_text("Report saved as “Race hate, last 30 days”.").wait_for()
    definition = SavedReport.objects.get().definition
    assert definition["aggravating_factors"] == ["race"]
    assert definition["areas"] == [partnership.areas["Rutland"].pk]
    page.get_by_role("button", name="Run report").click()
    page.get_by_role("heading", name="Results").wait_for()

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    exported = download_info.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    assert any(wanted.urn in row for row in rows)
    assert not any(unrelated.urn in row for row in rows)

    with page.context.expect_page() as tab_info:
        page.get_by_role("button", name=re.compile("Print PDF")).click()
    tab = tab_info.value
    tab.wait_for_load_state()
    tab.close()
    printed = AuditEvent.objects.filter(event_type=AuditEvent.Type.PRINTED).get()
    assert printed.details["row_count"] == 1

    page.get_by_role("link", name="Hotspots and repeats").click()
    page.get_by_role("heading", name=re.compile("Hotspots")).wait_for()
    page.locator(".leaflet-container").wait_for()
    assert page.locator(".leaflet-interactive").count() >= 1
    look_at(page, "53-hotspots")

    events = set(AuditEvent.objects.values_list("event_type", flat=True))
    assert {
        AuditEvent.Type.REPORT_PURPOSE_STATED,
        AuditEvent.Type.REPORT_RUN,
        AuditEvent.Type.REPORT_SAVED,
        AuditEvent.Type.EXPORTED,
        AuditEvent.Type.PRINTED,
        AuditEvent.Type.HOTSPOTS_VIEWED,
    } <= events


def test_an_officer_searches_and_an_analyst_reads_statistics(page, partnership, make_user):
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL, username="officer")
    make_user("Blaby District Council", UserGroup.ANALYST, username="analyst")
    blaby = partnership.areas["Blaby"]
    barking = log_complaint(
        by=officer, area=blaby, description="A dog barking all night behind the flats",
        received_at=timezone.now() - timedelta(days=2), category="nuisance",
    )  # fmt: skip
    for n in range(5):
        log_complaint(by=officer, area=blaby, description=f"Litter {n}", category="environmental",
                      received_at=timezone.now() - timedelta(days=2))  # fmt: skip

    sign_in(page, "officer")
    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_role("heading", name="Search", exact=True).wait_for()
    page.get_by_label("Search for").fill("barking")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("link", name=barking.urn).wait_for()
    assert page.url.endswith("/search/")
    look_at(page, "54-search-results")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "analyst")
    page.goto("/reports/statistics/")
    page.get_by_label("Why are you running reports today?").fill(
        "Quarterly partnership statistics for publication"
    )
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Statistics for publication").wait_for()
    content = page.locator("main").inner_text()
    assert "suppressed" in content.lower()
    assert barking.urn not in content
    look_at(page, "55-statistics")
