"""The sections of a case: each app contributes its own part of the incident page (people,
risk, the working sheet, tasks, documents, closure, retention) and says whether the printed
summary shows it too. An app registers its sections when it is ready (its AppConfig), so the
incident page and the printed summary ask this registry, never the apps' views by name.

Each section's `context(incident, user)` returns the template context of its part of the
page, in a fixed number of queries whatever the case holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    name: str
    order: int
    context: Callable[..., dict]
    printed: bool


_SECTIONS: dict[str, Section] = {}


def register(name: str, context: Callable[..., dict], *, order: int, printed: bool) -> None:
    """Add (or replace) a section of the case page."""
    _SECTIONS[name] = Section(name=name, order=order, context=context, printed=printed)


def sections(*, printed: bool = False) -> list[Section]:
    """The sections in page order; with printed=True, those the printed summary shows."""
    found = sorted(_SECTIONS.values(), key=lambda section: section.order)
    return [section for section in found if section.printed or not printed]


def contexts(incident, user, *, printed: bool = False) -> dict:
    """The template context of every section of the page (or of the printed summary)."""
    context: dict = {}
    for section in sections(printed=printed):
        context.update(section.context(incident, user))
    return context
