from django.utils.cache import add_never_cache_headers


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


class AccountGateMiddleware:
    """Placeholder: the two-factor step and forced password change (#6)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
