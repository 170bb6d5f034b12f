"""How API requests are authenticated (SPEC I1, T4, M3).

Token first: its `WWW-Authenticate: Token` header makes a missing or refused credential a
401, as API clients expect. A token stops working while its user is disabled, their
account locked, or their organisation inactive or suspended, and says why; signing out
everywhere deletes the user's tokens. A browser session is held at the
two-factor step and the forced password change exactly as the pages are
(access.middleware.AccountGateMiddleware).
"""

from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication, exceptions

from .administration.queries import is_locked, with_lockout
from .middleware import API_MESSAGES, pending_step
from .signin import lockout_message, refusal


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        model = self.get_model()
        token = model.objects.select_related("user__organisation").filter(key=key).first()
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        refused = refusal(token.user)
        if refused is not None:
            raise exceptions.AuthenticationFailed(refused[1])
        # A locked account (too many failed sign-ins) is locked for its tokens too.
        if is_locked(with_lockout(type(token.user).objects.filter(pk=token.user_id)).get()):
            raise exceptions.AuthenticationFailed(lockout_message())
        return token.user, token


class SessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        step = pending_step(request._request)
        if step is not None:
            raise exceptions.PermissionDenied(API_MESSAGES[step])
        return result


class PartnershipSessionScheme(SessionScheme):
    """The OpenAPI schema describes our session authentication as DRF's (a cookie)."""

    target_class = "access.authentication.SessionAuthentication"
