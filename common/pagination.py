"""Pagination that costs the same at a thousand records as at a million (issue 8).

- `page_items` (a template filter, `{% load pagination %}`) gives the GOV.UK pagination
  component the handful of page links it shows, without looping over every page number:
  a list of a million incidents has 40,000 pages.
- `CappedPaginator` counts at most `limit` records. Counting every incident a police user
  may see is a scan of the whole table on every visit to the home page; counting up to the
  limit stops early, so the list costs the same whatever the size of the database. Past the
  limit the page says "more than N" and offers the first N; older records are found by
  search and reports.
"""

from __future__ import annotations

from django import template
from django.core.paginator import Paginator
from django.utils.functional import cached_property

register = template.Library()


class CappedPaginator(Paginator):
    """A paginator whose count stops at `limit` (then `capped` is true)."""

    def __init__(self, object_list, per_page, *, limit: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.limit = limit

    @cached_property
    def _count_to_limit(self) -> int:
        # One query: COUNT(*) over a subquery that stops at limit + 1 rows.
        return self.object_list[: self.limit + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._count_to_limit, self.limit)

    @cached_property
    def capped(self) -> bool:
        return self._count_to_limit > self.limit


@register.filter
def page_items(page) -> list[dict]:
    """The links of the GOV.UK pagination component for this page: the first and last pages,
    the current one and its neighbours, and an ellipsis for each gap - except that a gap of
    a single page shows that page instead. [{"number": n, "current": bool}, {"ellipsis":
    True}, ...]"""
    current, last = page.number, page.paginator.num_pages
    shown = {1, last, current - 1, current, current + 1}
    if current == 4:
        shown.add(2)
    if current == last - 3:
        shown.add(last - 1)
    items = []
    previous = 0
    for number in sorted(n for n in shown if 1 <= n <= last):
        if number > previous + 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "current": number == current})
        previous = number
    return items
