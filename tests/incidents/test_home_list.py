"""The home list counts and pages through at most LIST_LIMIT incidents, the newest (issue 8:
it costs the same at a million incidents as at a thousand), says so when there are more,
and shows the GOV.UK pagination's handful of links without looping over every page."""

import re
from types import SimpleNamespace

import pytest
from django.urls import reverse

from access.models import UserGroup
from common.pagination import CappedPaginator, page_items
from incidents.models import Incident
from incidents.services import log_complaint
from incidents.views import case


@pytest.fixture
def officer(make_user):
    return make_user("Leicestershire County Council", UserGroup.OPERATIONAL)


@pytest.fixture
def small_list(monkeypatch):
    """A list limit of 4 and pages of 2, so that a handful of incidents passes the limit."""
    monkeypatch.setattr(case, "LIST_LIMIT", 4)
    monkeypatch.setattr(case, "PAGE_SIZE", 2)


def _log(officer, partnership, n) -> list[str]:
    return [
        log_complaint(by=officer, area=partnership.areas["Blaby"], description=f"Noise {i}").urn
        for i in range(n)
    ]


def _home(client, page=None) -> str:
    response = client.get(reverse("home"), {"page": page} if page else {})
    assert response.status_code == 200
    return response.content.decode()


def _urns(html: str) -> list[str]:
    return re.findall(r">(ASB-\d{4}-\d{6})<", html)


def _page_links(html: str) -> list[str]:
    return re.findall(r'aria-label="Page (\d+)"', html)


@pytest.mark.django_db
def test_past_the_limit_the_list_says_so_and_pages_through_the_newest(
    client, officer, partnership, small_list
):
    logged = _log(officer, partnership, 6)
    client.force_login(officer)

    first = _home(client)
    assert "You can see more than 4 incidents. The newest 4 are listed here" in first
    assert f'href="{reverse("search")}"' in first
    assert _urns(first) == logged[::-1][:2]  # newest first
    assert _page_links(first) == ["1", "2"]  # 4 incidents in pages of 2: no third page

    second = _home(client, page=2)
    assert _urns(second) == logged[::-1][2:4]
    # A page past the limit shows the last one within it; the oldest two are not listed.
    assert _urns(_home(client, page=3)) == logged[::-1][2:4]


@pytest.mark.django_db
def test_up_to_the_limit_the_list_is_all_there_is(client, officer, partnership, small_list):
    logged = _log(officer, partnership, 4)
    client.force_login(officer)

    first = _home(client)
    assert "more than" not in first
    assert _page_links(first) == ["1", "2"]
    assert _urns(first) + _urns(_home(client, page=2)) == logged[::-1]


@pytest.mark.django_db
def test_the_capped_paginator_counts_one_past_its_limit_at_most(officer, partnership):
    _log(officer, partnership, 5)
    incidents = Incident.objects.order_by("-pk")

    capped = CappedPaginator(incidents, 2, limit=3)
    assert (capped.count, capped.capped, capped.num_pages) == (3, True, 2)
    exact = CappedPaginator(incidents, 2, limit=5)
    assert (exact.count, exact.capped, exact.num_pages) == (5, False, 3)


def _items(current: int, last: int) -> list:
    page = SimpleNamespace(number=current, paginator=SimpleNamespace(num_pages=last))
    return [
        "..." if item.get("ellipsis") else f"[{item['number']}]" if item["current"] else
        item["number"]
        for item in page_items(page)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("current", "last", "expected"),
    [
        (1, 1, ["[1]"]),
        (1, 3, ["[1]", 2, 3]),
        (1, 40_000, ["[1]", 2, "...", 40_000]),
        (4, 10, [1, 2, 3, "[4]", 5, "...", 10]),  # a gap of one page shows the page
        (5, 10, [1, "...", 4, "[5]", 6, "...", 10]),
        (7, 10, [1, "...", 6, "[7]", 8, 9, 10]),
        (20_000, 40_000, [1, "...", 19_999, "[20000]", 20_001, "...", 40_000]),
        (40_000, 40_000, [1, "...", 39_999, "[40000]"]),
    ],
)
def test_page_links_are_the_first_the_last_and_the_current_with_its_neighbours(
    current, last, expected
):
    assert _items(current, last) == expected
