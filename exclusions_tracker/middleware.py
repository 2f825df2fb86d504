from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.utils.cache import patch_cache_control

from recommendations import access, kept_forms


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


class PublicPagesMiddleware:
    """A public page (``reports.public``, marked ``public_page`` by its views) is the same for
    everyone and cacheable by shared caches, so its response carries no cookie and does not
    vary on one: the session middleware, which saves a signed-in visitor's session on every
    request, would otherwise add both. Placed before the session middleware, so it sees the
    response after it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if getattr(response, "public_page", False):
            for name in list(response.cookies):
                del response.cookies[name]
            if response.has_header("Vary"):
                kept = [
                    v.strip() for v in response["Vary"].split(",") if v.strip().lower() != "cookie"
                ]
                if kept:
                    response["Vary"] = ", ".join(kept)
                else:
                    del response["Vary"]
        return response


class LoginRequiredKeepingFormsMiddleware(LoginRequiredMiddleware):
    """Django's: every page needs a signed-in user, else to sign in and back. A form page sent
    after the session expired keeps what was typed for after signing in
    (``recommendations.kept_forms``).

    Only a POST that passed the CSRF check reaches here (CsrfViewMiddleware comes first), so
    another site cannot plant text in someone's form. The CSRF cookie outlives the session
    (a year against two hours), so an expired session's form passes that check.
    """

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            # The public pages (and sign-in): who asks makes no difference, so the session is
            # not even read (reading it would make the response vary on the cookie).
            return None
        refused = super().process_view(request, view_func, view_args, view_kwargs)
        if refused is not None or not getattr(view_func, "login_required", True):
            return refused
        # A lead's account opens their own pages only (recommendations.access.LEAD_PAGES);
        # the dashboard, where signing in lands, sends them on to theirs.
        name = request.resolver_match.view_name if request.resolver_match else None
        if not access.lead_may_open(request, name):
            if name == "reports:home":
                return HttpResponseRedirect("/my-updates/")
            raise PermissionDenied
        return None

    def handle_no_permission(self, request: HttpRequest, view_func) -> HttpResponseRedirect:
        if request.method == "POST" and kept_forms.keep(request):
            messages.info(
                request,
                "You were signed out, so nothing was saved. Sign in again: the form comes "
                "back with what you typed, for you to check and save.",
            )
        return super().handle_no_permission(request, view_func)
