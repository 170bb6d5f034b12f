"""What a browser would post from a page's form, read from the page's HTML: every field as the
page shows it, so that a test can change one thing and send the rest untouched."""

from __future__ import annotations

import datetime
from html.parser import HTMLParser

from django.utils import timezone

_BUTTONS = {"submit", "button", "reset", "image", "file"}


class _FormReader(HTMLParser):
    def __init__(self, action: str | None):
        super().__init__(convert_charrefs=True)
        self.action = action
        self.data: dict[str, list[str]] = {}
        self.found = self.inside = False
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_chosen = False
        self._first_option: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.found:
            wanted = self.action is None or attrs.get("action") == self.action
            if (attrs.get("method") or "").lower() == "post" and wanted:
                self.found = self.inside = True
            return
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._add(name, attrs.get("value", "on"))
            elif kind not in _BUTTONS:
                self._add(name, attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")
        elif tag == "select" and name:
            self._select, self._select_chosen, self._first_option = name, False, None
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attrs:
                self._add(self._select, value)
                self._select_chosen = True

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea":
            if self._textarea:  # the newline after <textarea> is not part of the value
                self.data[self._textarea][-1] = self.data[self._textarea][-1].removeprefix("\n")
            self._textarea = None
        elif tag == "select" and self._select:
            if not self._select_chosen and self._first_option is not None:
                self._add(self._select, self._first_option)
            self._select = None


def form_data(page: str, action: str | None = None) -> dict:
    """The fields of the page's first POST form (or the one posting to `action`) as the
    browser would send them: one value as a string, several as a list."""
    reader = _FormReader(action)
    reader.feed(page)
    assert reader.found, "no such form on the page"
    data = reader.data
    return {name: values[0] if len(values) == 1 else values for name, values in data.items()}


def typed_date(name: str, value) -> dict[str, str]:
    """A date (or date and time, in local time) as typed into the GOV.UK date input's boxes
    of the field `name` (common.widgets): {"name_day": "27", "name_month": "3", ...}."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    typed = {f"{name}_day": value.day, f"{name}_month": value.month, f"{name}_year": value.year}
    if isinstance(value, datetime.datetime):
        typed.update({f"{name}_hour": value.hour, f"{name}_minute": f"{value.minute:02d}"})
    return {key: str(number) for key, number in typed.items()}
