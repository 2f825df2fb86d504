"""What the views share: the labels' meanings, the form page, and mapping a service's refusal
onto the form. Access checks and fetching for this user are in ``recommendations.access``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from recommendations import forms, meanings, services


def _meanings_context() -> dict[str, Any]:
    return {
        "statuses": meanings.STATUSES,
        "decisions": meanings.DECISIONS,
        "rag": meanings.RAG,
        "overdue_meaning": meanings.OVERDUE,
        "closed_meaning": meanings.CLOSED,
        "counting_rule": meanings.COUNTING,
    }


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
