"""common.forms.handle_post: the one way a page handles a posted form."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import RequestFactory

from common.forms import handle_post


class NameForm(forms.Form):
    name = forms.CharField()


def _request(method="post", data=None):
    request = getattr(RequestFactory(), method)("/page/", data or {})
    request._messages = CookieStorage(request)
    return request


def _flashed(request) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(request)]


def test_a_valid_post_calls_the_action_flashes_and_redirects():
    request = _request(data={"name": "Ann"})
    called = []
    response = handle_post(
        request,
        NameForm(request.POST),
        lambda data: called.append(data["name"]) or 7,
        success=lambda result: f"Saved {result}.",
        redirect_to=lambda result: f"/done/{result}/",
    )
    assert called == ["Ann"]
    assert response.status_code == 302 and response.url == "/done/7/"
    assert _flashed(request) == [("success", "Saved 7.")]


def test_a_get_or_an_invalid_form_renders_again_without_calling_the_action():
    def action(data):
        raise AssertionError("not called")

    get = _request("get")
    assert handle_post(get, NameForm(), action, success="x", redirect_to="/") is None
    post = _request(data={})
    form = NameForm(post.POST)
    assert handle_post(post, form, action, success="x", redirect_to="/") is None
    assert form.errors and _flashed(post) == []
    assert handle_post(post, None, action, success="x", redirect_to="/") is None


def test_a_service_validation_error_goes_on_the_form():
    request = _request(data={"name": "Ann"})
    form = NameForm(request.POST)

    def action(data):
        raise ValidationError({"name": "Taken.", "other": "Elsewhere."})

    assert handle_post(request, form, action, success="x", redirect_to="/") is None
    assert form.errors == {"name": ["Taken."], "__all__": ["Elsewhere."]}
    assert form["name"].value() == "Ann"  # what was typed is kept
    assert _flashed(request) == []


def test_permission_denied_answers_404():
    request = _request(data={"name": "Ann"})

    def action(data):
        raise PermissionDenied

    with pytest.raises(Http404):
        handle_post(request, NameForm(request.POST), action, success="x", redirect_to="/")


@pytest.mark.parametrize(
    ("result", "flashed"), [(True, ("success", "Done.")), (False, ("info", "Nothing to do."))]
)
def test_unchanged_is_said_when_the_service_had_nothing_to_do(result, flashed):
    request = _request(data={"name": "Ann"})
    response = handle_post(
        request,
        NameForm(request.POST),
        lambda data: result,
        success="Done.",
        unchanged="Nothing to do.",
        redirect_to="/done/",
    )
    assert response.url == "/done/"
    assert _flashed(request) == [flashed]
