from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control


class PrivateNoStoreMiddleware:
    """Responses to a signed-in user say ``Cache-Control: private, no-store``.

    Pages, exports and packs hold council data that is not public: a shared proxy must not
    keep a copy, nor may the browser keep one on disk after its user signs out (offices share
    computers). A view that chose a cache policy of its own keeps it (the admin's never_cache
    already forbids storing). Static files never reach this: whitenoise answers them first,
    with their long caching. Anonymous responses (the sign-in page, /healthz) are left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        # The header is checked first so that a response which needs no decision (/healthz)
        # does not load the session to find out who asked.
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
