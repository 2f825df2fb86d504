"""Per-user API tokens: ``Authorization: Bearer <key>``. Only the key's hash is stored
(``ApiToken.hash_key``); a revoked key, or one that never existed, is a 401."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from recommendations.models import ApiToken

KEYWORDS = (b"bearer", b"token")
INVALID = "This token is not valid: it was revoked, or it never existed."


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].lower() not in KEYWORDS:
            return None  # another scheme, or none: the session, else anonymous
        if len(words) != 2:
            raise AuthenticationFailed("Send one key: Authorization: Bearer <key>.")
        try:
            key = words[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(INVALID) from None
        token = (
            ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
        )
        if token is None or not token.is_active:
            raise AuthenticationFailed(INVALID)
        if not token.user.is_active:
            raise AuthenticationFailed("This token's account is inactive.")
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Makes a refused key a 401 (with this challenge) rather than a 403.
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the schema describes the token (drf-spectacular reads this extension)."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Bearer"
        )
