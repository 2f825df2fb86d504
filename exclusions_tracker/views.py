import logging
import re
import sys
from dataclasses import dataclass

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from recommendations.storage import StorageUnavailable

logger = logging.getLogger(__name__)


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when this app server can query the database, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


# Never echoed: a password typed into a form that failed must not appear on a page (or in the
# browser's cache of it). Django's own csrfmiddlewaretoken goes back only in the retry form.
SENSITIVE_FIELD = re.compile(r"pass|pwd|secret|token|api_?key|signature|credential", re.I)
CSRF_FIELD = "csrfmiddlewaretoken"


@dataclass(frozen=True)
class PostedField:
    name: str
    value: str

    @property
    def long(self) -> bool:
        """Shown in a text area rather than a one-line box."""
        return "\n" in self.value or len(self.value) > 80


def _posted_fields(request: HttpRequest) -> tuple[list[PostedField], bool]:
    """What a failed POST carried that may be shown back and re-sent, and whether any was held
    back (a password, or all of them when the view declared its parameters sensitive)."""
    declared = getattr(request, "sensitive_post_parameters", ())
    fields = []
    withheld = False
    for name, values in request.POST.lists():
        sensitive = declared == "__ALL__" or name in declared or SENSITIVE_FIELD.search(name)
        if sensitive and name != CSRF_FIELD:
            withheld = True
            continue
        fields.extend(PostedField(name, value) for value in values)
    return fields, withheld


def _outage_context(request: HttpRequest) -> dict[str, object]:
    if request.method != "POST":
        return {}
    try:
        fields, withheld = _posted_fields(request)
        file_names = sorted(request.FILES.keys())
    except Exception:
        # The body may be what cannot be read (too large, cut off); the plain page will do.
        logger.warning("Could not read the posted form back for the 503 page", exc_info=True)
        return {}
    return {
        "posted": True,
        "action": request.get_full_path(),
        "retry_fields": fields,
        "typed_fields": [f for f in fields if f.name != CSRF_FIELD and f.value.strip()],
        "withheld": withheld,
        "file_names": file_names,
    }


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. A lost database is an outage, not a bug: say so with a 503 and Retry-After.

    Django calls this while handling the exception, from wherever it was raised (a view or a
    middleware), so ``sys.exc_info()`` still names it. The templates use no context processors:
    they would query the database again. A form posted during the outage is shown back, with a
    button that posts it again (its own CSRF token included, which the CSRF cookie still matches),
    so what the user typed is not lost.
    """
    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError):
        logger.error("Database unavailable: %s", exception)
        return _unavailable(request, {})
    if isinstance(exception, StorageUnavailable):
        # A view with an upload that does not catch it (the admin does): still no 500.
        return _unavailable(request, {"storage_message": str(exception)})
    return HttpResponse(render_to_string("500.html"), status=500)


def _unavailable(request: HttpRequest, context: dict[str, object]) -> HttpResponse:
    response = HttpResponse(
        render_to_string("503.html", context | _outage_context(request)), status=503
    )
    response["Retry-After"] = "30"
    # It may hold what the user typed: keep it out of every cache.
    add_never_cache_headers(response)
    return response
