"""What the editing views share: the permission decorator, fetching, the form page and the
mapping of a service's refusal onto the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.db import models
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from recommendations import forms, meanings, services
from recommendations.models import Recommendation, Review


def _needs(*codenames: str) -> Callable:
    """Require every named permission of this app; 403 (not a login loop) without them."""
    return permission_required(
        [f"recommendations.{codename}" for codename in codenames], raise_exception=True
    )


def _meanings_context() -> dict[str, Any]:
    return {
        "statuses": meanings.STATUSES,
        "decisions": meanings.DECISIONS,
        "rag": meanings.RAG,
        "overdue_meaning": meanings.OVERDUE,
        "closed_meaning": meanings.CLOSED,
        "counting_rule": meanings.COUNTING,
    }


# --- Editing helpers ----------------------------------------------------------------------


def _get_review(slug: str) -> Review:
    return get_object_or_404(Review.objects.select_related("committee"), slug=slug)


def _get_recommendation(slug: str, label: str) -> Recommendation:
    return get_object_or_404(
        Recommendation.objects.select_related("review", "parent"), review__slug=slug, label=label
    )


def _form_page(request: HttpRequest, template: str, form: BaseForm, **context: Any) -> HttpResponse:
    return render(request, template, {"form": form, **context})


def _saved_or_conflict(form: forms.VersionedForm, save: Callable[[], object]) -> bool:
    """Run the save; on a conflicting edit, put the message on the form and keep the text."""
    try:
        save()
    except services.EditConflict as conflict:
        form.add_error(None, str(conflict))
        form.keep_typed_text_for_retry(conflict.current_version)
        return False
    except services.NotClosed as refusal:
        # Someone reopened it after this request found it closed.
        form.add_error(None, str(refusal))
        return False
    return True


def _saved_copy(instance: models.Model) -> models.Model | None:
    """The version in the database now, to show beside the editor's own text after a conflict."""
    return type(instance)._default_manager.filter(pk=instance.pk).first()


def _direction(request: HttpRequest) -> str | None:
    direction = request.POST.get("direction")
    return direction if direction in {"up", "down"} else None
