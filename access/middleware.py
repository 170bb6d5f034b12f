from django.conf import settings
from django.http import JsonResponse, QueryDict
from django.shortcuts import redirect
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers

from . import two_factor

API_PREFIX = "/api/"
# What the API says to a browser session held at a step (token requests are never held).
API_MESSAGES = {
    "two-factor": "Two-factor authentication required.",
    "two-factor-setup": "Two-factor authentication required: set it up from your account.",
    "password-change": "Change your password before using the service.",
}
# Reachable whatever step is pending: signing out, and the time-out dialog's status check
# and extension (access/sessions.py), which a page held at a step shows too.
ALWAYS_OPEN = ("sign-out", "session-status", "session-extend")


class NoStoreForSignedInMiddleware:
    """Pages for a signed-in user are never stored by browsers or proxies (ASVS 14.2.1):
    Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
        return response


def pending_step(request) -> str | None:
    """The url name of the step a signed-in user must complete before anything else, or
    None: first the second factor (entering a code, or setting it up when it is required
    and they have none), then the password change an administrator asked for (M1, M3)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if two_factor.needs_second_factor(request) and not two_factor.is_verified(request):
        return "two-factor" if request.session.get(two_factor.HAS_DEVICE) else "two-factor-setup"
    if user.must_change_password:
        return "password-change"
    return None


def step_url(step: str, next_url: str = "") -> str:
    url = reverse(step)
    if next_url:
        query = QueryDict(mutable=True)
        query["next"] = next_url
        url += "?" + query.urlencode(safe="/")
    return url


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _open_paths(step: str) -> set[str]:
    paths = set()
    for name in (step, *ALWAYS_OPEN):
        try:
            paths.add(reverse(name))
        except NoReverseMatch:
            continue
    return paths


def _next_after_step(request) -> str:
    """The page to go on to once the step is done: the one asked for, if it was a page
    (GET) that exists; otherwise the step's own default."""
    if request.method not in ("GET", "HEAD"):
        return ""
    try:
        resolve(request.path_info)
    except Resolver404:
        return ""
    return request.get_full_path()


def _uses_api_token(request) -> bool:
    return request.META.get("HTTP_AUTHORIZATION", "").startswith("Token ")


class AccountGateMiddleware:
    """Holds a signed-in user at the two-factor step, then at a forced password change, until
    it is done (M3, SPEC §17): every other page redirects there, and the API answers 403 to
    the browser session. Requests with an API token are not held (tokens are issued to
    integrations by an administrator; access.authentication checks them)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        step = pending_step(request)
        if step is None or self._open(request, step):
            return self.get_response(request)
        if request.path_info.startswith(API_PREFIX) and _uses_api_token(request):
            return self.get_response(request)
        if request.path_info.startswith(API_PREFIX) or _wants_json(request):
            return JsonResponse({"detail": API_MESSAGES[step]}, status=403)
        return redirect(step_url(step, _next_after_step(request)))

    @staticmethod
    def _open(request, step: str) -> bool:
        path = request.path_info
        if settings.STATIC_URL and path.startswith(settings.STATIC_URL):
            return True
        return path in _open_paths(step)
