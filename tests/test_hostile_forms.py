"""Every form of every page, filled with what an attacker or a careless paste puts in a field:
a NUL byte with control characters, or 100,000 characters, in every field. The answer is a
page (an error message, a redirect, a refusal): never a 500.

The pages are those of the route walk (tests/access/test_route_walk.py): every named page
of the project, with the records its user may reach. Each page's forms are read from its
HTML as a browser would (field names, the choices offered) and posted to their action.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.access.test_route_walk import ALL_ROUTES, EXEMPT, World, _sign_in, _url

pytestmark = pytest.mark.usefixtures("documents_root")

# What goes in every field of a form, one value set per post.
# (The route walk gives control characters and huge numbers to every identifier; here the
# two values that broke forms are kept, so that the walk fits the suite's time.)
HOSTILE = {
    "nul": "Noise\x00 at night \x01\x1b[31m",
    "long": "N" * 100_000,
}
# Pages without identifiers, tried by each of these users.
# (Between them they reach every page: casework, administration, reporting, and the
# deployment-wide pages such as partner suspension.)
USERS = ("officer", "analyst", "host")
# Forms whose posting ends the session (every later request would only be a redirect).
SIGN_OUT = ("/sign-out/", "/account/sign-out-everywhere/")


class Forms(HTMLParser):
    """The POST forms of a page: (action, {field name: kind}), in document order."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._current: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self._current = {}
            self.forms.append((attributes.get("action") or "", self._current))
        elif self._current is not None and tag in ("input", "textarea", "select"):
            name = attributes.get("name")
            kind = attributes.get("type", tag) if tag == "input" else tag
            if name and name != "csrfmiddlewaretoken" and kind not in ("submit", "button"):
                self._current.setdefault(name, kind)

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def _pages():
    for route in ALL_ROUTES:
        if route.name.startswith("api:") or route.name in EXEMPT:
            continue
        if route.identifiers:
            if route.spec is not None:
                yield pytest.param(route, route.spec.user, id=route.id)
        else:
            for user in USERS:
                yield pytest.param(route, user, id=f"{route.id} as {user}")


PAGES = list(_pages())


def _post_values(fields: dict[str, str], value: str) -> dict:
    data = {}
    for name, kind in fields.items():
        if kind == "file":
            continue
        data[name] = value
    return data


@pytest.mark.parametrize(("route", "user"), PAGES)
def test_every_form_refuses_hostile_input_without_a_server_error(
    client, partnership, make_user, route, user
):
    world = World(partnership, make_user)
    spec = route.spec
    signed_in = getattr(world, user) if spec is None else None
    if spec is None:
        client.force_login(signed_in)
        values = {}
    else:
        _sign_in(client, world, spec)
        values = spec.own(world)
    url = _url(route, values)
    page = client.get(url)
    assert page.status_code < 500, f"GET {url}"
    if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
        return
    parser = Forms()
    parser.feed(page.content.decode())
    for action, fields in parser.forms:
        target = action or url
        if not fields or any(target.startswith(out) for out in SIGN_OUT):
            continue
        for kind, value in HOSTILE.items():
            response = client.post(target, _post_values(fields, value))
            assert response.status_code < 500, f"POST {target} ({kind}) from {url}"


def test_the_walk_finds_forms_to_post():
    """The test above reads real forms: the pages that log and work a case have them."""
    assert len(PAGES) > 100
    names = {param.values[0].name for param in PAGES}
    assert {"incident-edit", "complaint-section", "person-edit", "search"} <= names
