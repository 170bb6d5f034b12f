"""PDFs from HTML templates with WeasyPrint (SPEC S3, C7).

Every PDF extends templates/reports/pdf/base.html, whose print stylesheet puts the protective
marking label at the top and the bottom of every page, who printed it and when at the
bottom left, and "Page n of N" at the bottom right.

WeasyPrint never fetches anything over the network while rendering: its URL fetcher
accepts `data:` URLs and files inside the static folders only, so a stray link in a
template (or in data) cannot make the server call out or read other files.
"""

from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import mark_safe

from .exports import marking_label

PDF_TYPE = "application/pdf"


def static_roots() -> list[Path]:
    roots = [Path(settings.STATIC_ROOT)]
    for entry in settings.STATICFILES_DIRS:
        roots.append(Path(entry[1] if isinstance(entry, tuple | list) else entry))
    return [root.resolve() for root in roots]


def base_url() -> str:
    """Relative URLs in PDF templates resolve against the project's own static files."""
    return (Path(settings.BASE_DIR) / "frontend" / "static").resolve().as_uri() + "/"


@functools.cache
def _fetcher_class():
    # WeasyPrint is imported when the first PDF is made, not when Django starts.
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        """Refuses http(s) and every other scheme but file: and data:, and files outside
        the static folders."""

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "file":
                path = Path(unquote(parts.path)).resolve()
                if not any(path.is_relative_to(root) for root in static_roots()):
                    raise ValueError(f"PDF rendering may not read {url!r}")
            elif scheme != "data":
                raise ValueError(f"PDF rendering does not fetch {scheme or 'relative'} URLs")
            return super().fetch(url, headers)

    return LocalOnlyFetcher


def url_fetcher():
    """WeasyPrint's fetcher for this project: local static files and data: URLs only."""
    return _fetcher_class()(allowed_protocols={"file", "data"}, allow_redirects=False)


def css_string(text: str) -> str:
    """`text` as a quoted CSS string, safe inside a <style> element: every character that is
    not plainly harmless is written as a CSS escape (so no quote, backslash or "</style>"
    can break out)."""
    out = []
    for char in str(text):
        if char.isalnum() or char in " ,.:;()-_/'":
            out.append(char)
        else:
            out.append(f"\\{ord(char):x} ")
    return mark_safe('"' + "".join(out) + '"')  # noqa: S308 - every special char escaped


def printed_by(user, when=None) -> str:
    when = timezone.localtime(when or timezone.now())
    name = user.get_full_name() or user.username
    return f"Printed by {name} ({user.username}), {user.organisation.name}, {when:%d %b %Y %H:%M}"


def page_context(user, marking: str, *, title: str) -> dict:
    """What base.html needs: the marking label and who printed it when, both as plain text
    and as CSS strings for the page's margin boxes."""
    label = marking_label(marking)
    by = printed_by(user)
    return {
        "title": title,
        "marking": marking,
        "marking_label": label,
        "printed_by": by,
        "css": {"marking": css_string(label), "printed_by": css_string(by)},
    }


def render_pdf(template: str, context: dict, *, request=None) -> bytes:
    """Render a template (extending reports/pdf/base.html) to PDF bytes. With `request`,
    the context processors run (the service name)."""
    from weasyprint import HTML

    html = render_to_string(template, context, request=request)
    return HTML(string=html, base_url=base_url(), url_fetcher=url_fetcher()).write_pdf()


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A PDF shown in the browser (inline), never cached."""
    response = HttpResponse(content, content_type=PDF_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response
