"""API tokens (README "API"): officers make them for anyone and see and revoke everyone's;
everyone else sees and revokes their own. A new key is shown once, on the page that made it:
only its hash is stored."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from recommendations import access, forms, services
from recommendations.views.common import form_page, save_or_show_errors


def api_tokens(request: HttpRequest) -> HttpResponse:
    manages = access.manages_api_tokens(request)
    if request.method == "POST" and not manages:
        raise PermissionDenied
    form = forms.ApiTokenForm(request.POST or None) if manages else None
    created = key = None
    if form is not None and request.method == "POST" and form.is_valid():
        made = save_or_show_errors(
            form,
            lambda: services.api_token_create(
                owner=form.cleaned_data["user"], name=form.cleaned_data["name"], user=request.user
            ),
        )
        if made is not None:
            # Shown in this response only (no redirect, no message stored in the session).
            created, key = made
            form = forms.ApiTokenForm()
    context = {
        "tokens": access.api_tokens_for(request).order_by("revoked_at", "-created_at", "-id"),
        "manages": manages,
        "created": created,
        "key": key,
        "api_url": request.build_absolute_uri("/api/v1/recommendations/"),
        "nav": "api_tokens",
    }
    if form is None:
        return render(request, "recommendations/api_tokens.html", context)
    return form_page(request, "recommendations/api_tokens.html", form, **context)


@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = access.api_token_for(request, pk)
    services.api_token_revoke(token=token, user=request.user)
    messages.success(request, f"The token “{token.name}” is revoked: it no longer works.")
    return redirect("recommendations:api_tokens")
