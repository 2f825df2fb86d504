"""Path converters shared by both apps' URLs."""

from django.urls.converters import IntConverter


class IdConverter(IntConverter):
    """A database id: at most 18 digits, so always within a 64-bit integer. Django's ``int``
    matches any length, and a longer number overflows SQLite (a 500) in any query that is not a
    plain primary-key lookup; such an address is a 404 instead."""

    regex = "[0-9]{1,18}"
