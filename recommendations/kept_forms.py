"""A form sent after its session had expired: what was typed is kept for after signing in again.

The officer typed into a form page, the session expired meanwhile (two hours without a
request), and the POST arrives signed out. The sign-in middleware keeps the posted fields in
the new, anonymous session (``keep``) before sending them to sign in; Django's ``login()``
keeps a session's data when it had no user, so after signing in, the same form page opens with
what was typed in it (``take``), not saved: they check it and save again. The posted
``version`` comes back with it, so an edit someone else made meanwhile is still a conflict.

Only forms rendered by ``views.common.form_page`` are kept: they carry who loaded them
(``OWNER_FIELD``, signed), and only that user gets the text back, on the same page, once,
within an hour. Someone else signing in on the same browser never sees it. Files, the CSRF
token and anything that looks like a password are never kept, and nothing over ``MAX_BYTES``.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.http import HttpRequest, QueryDict

logger = logging.getLogger(__name__)

SESSION_KEY = "kept_form"
OWNER_FIELD = "typed_by"
# The largest form (a meeting's 60,000-character minutes) fits; session data is not a store.
MAX_BYTES = 256 * 1024
MAX_AGE_SECONDS = 60 * 60
_SALT = "recommendations.kept_forms.owner"
_NEVER_KEPT = re.compile(r"pass|pwd|secret|token|api_?key|signature|credential", re.I)
_NOT_FIELDS = {"csrfmiddlewaretoken", OWNER_FIELD}


def owner_token(user: AbstractBaseUser) -> str:
    """The value of a form page's ``OWNER_FIELD``: who loaded the form."""
    return signing.dumps(user.pk, salt=_SALT)


def keep(request: HttpRequest) -> bool:
    """Keep a signed-out POST's fields in the session, for the form page at its path. False
    (nothing kept) for a form that is not a form page's, or one too large to keep."""
    try:
        owner = signing.loads(request.POST.get(OWNER_FIELD, ""), salt=_SALT)
        fields = [
            [name, value]
            for name, values in request.POST.lists()
            if name not in _NOT_FIELDS and not _NEVER_KEPT.search(name)
            for value in values
        ]
        files = sorted(request.FILES)
    except signing.BadSignature:
        return False
    except Exception:
        # The body itself may be what cannot be read (too large, cut off): sign-in as usual.
        logger.warning("Could not read a signed-out POST to keep it", exc_info=True)
        return False
    if sum(len(name.encode()) + len(value.encode()) for name, value in fields) > MAX_BYTES:
        return False
    request.session[SESSION_KEY] = {
        "path": request.path,
        "owner": owner,
        "at": int(time.time()),
        "fields": fields,
        "files": files,
    }
    return True


@dataclass(frozen=True)
class KeptForm:
    data: QueryDict
    # Names of file fields that were sent: a browser cannot send a file again by itself.
    file_fields: list[str]


def take(request: HttpRequest) -> KeptForm | None:
    """The form kept for this page and this user, once. A form kept for someone else, or kept
    too long ago, is dropped instead."""
    kept = request.session.get(SESSION_KEY)
    if not isinstance(kept, dict):
        return None
    fresh = time.time() - kept.get("at", 0) <= MAX_AGE_SECONDS
    if not fresh or kept.get("owner") != request.user.pk:
        del request.session[SESSION_KEY]
        return None
    if kept.get("path") != request.path:
        return None
    del request.session[SESSION_KEY]
    data = QueryDict(mutable=True)
    for name, value in kept["fields"]:
        data.appendlist(name, value)
    data._mutable = False
    return KeptForm(data, kept.get("files", []))
