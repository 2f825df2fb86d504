"""API tokens: make one (the key shown once, stored as its hash) and revoke it."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import User as UserModel
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from recommendations.models import ApiToken
from recommendations.services._common import User

API_TOKEN_PREFIX = "st_"


@transaction.atomic
def api_token_create(*, owner: UserModel, name: str, user: User) -> tuple[ApiToken, str]:
    """A new API key for ``owner``, which reads what ``owner`` may read in the app. Returns
    the token and the key itself, which is stored only as its hash: show it once."""
    if not owner.is_active:
        raise ValidationError({"user": "This account is inactive; its tokens would not work."})
    key = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=owner,
        name=name.strip(),
        prefix=key[:10],
        key_hash=ApiToken.hash_key(key),
        created_by=user if getattr(user, "pk", None) else None,
    )
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, user: User) -> ApiToken:
    """The key stops working at once (the next request with it is a 401); the token stays
    listed as revoked, with who revoked it and when. Revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = user if getattr(user, "pk", None) else None
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token
