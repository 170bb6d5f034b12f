"""Every template compiles, and the standalone error page renders without a request."""

from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import get_template, render_to_string

TEMPLATES = sorted(
    str(path.relative_to(settings.BASE_DIR / "templates"))
    for path in (Path(settings.BASE_DIR) / "templates").rglob("*.html")
)


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_compiles(name):
    assert get_template(name) is not None


def test_the_500_page_needs_no_context():
    page = render_to_string("500.html")
    assert "Sorry, there is a problem with the service" in page
