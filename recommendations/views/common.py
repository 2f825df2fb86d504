"""What the views share: the form page, and mapping a service's refusal
onto the form. Access checks and fetching for this user are in ``recommendations.access``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.forms import BaseForm
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from recommendations import forms, kept_forms, selectors, services

T = TypeVar("T")


def form_page(request: HttpRequest, template: str, form: BaseForm, **context: Any) -> HttpResponse:
    """The page of a form. The form says who loaded it (``typed_by``), so that if the session
    expires before it is sent, what was typed is kept for them; when they are back from
    signing in, it is put in the form here (``typed_back``)."""
    if (typed := typed_back(request)) is not None:
        form.data, form.is_bound = typed, True
        form._errors = ErrorDict()  # checked when they save it again
    return render(request, template, {"form": form, **context, **owner(request)})


def owner(request: HttpRequest) -> dict[str, str]:
    """The context a form page's template needs for its ``typed_by`` field."""
    return {"typed_by": kept_forms.owner_token(request.user)}


def typed_back(request: HttpRequest) -> QueryDict | None:
    """What this user typed into this page's form before their session expired (kept by the
    sign-in middleware, ``kept_forms``), once, on the page's GET after signing in again: to
    be shown in the form, not saved and not yet checked, with a message saying so."""
    if request.method != "GET" or (kept := kept_forms.take(request)) is None:
        return None
    message = (
        "Your session had expired, so nothing was saved. We kept what you typed: check it "
        "and save again."
    )
    if kept.file_fields:
        message += " Choose the file again: a file cannot be kept."
    messages.warning(request, message)
    return kept.data


def confirm_delete(
    request: HttpRequest,
    template: str,
    instance: models.Model,
    delete: Callable[[int], object],
    **context: Any,
) -> HttpResponse | None:
    """Every delete asks first. A GET shows what will go and what goes with it; only that
    page's form, posted at the version it showed, deletes (``delete(version)``): then this
    returns None and the view redirects. Anything else (a POST without the confirmation, or
    after someone changed the record) shows the page again, as the record is now."""
    if request.method == "POST":
        form = forms.ConfirmDeleteForm(request.POST, instance=instance)
        if form.is_valid():
            try:
                delete(form.cleaned_data["version"])
            except services.EditConflict:
                if not type(instance)._default_manager.filter(pk=instance.pk).exists():
                    return None  # someone else deleted it meanwhile: gone, as asked
                instance.refresh_from_db()
                noun = instance._meta.verbose_name
                messages.error(
                    request,
                    f"Someone else changed this {noun} since you opened this page, so nothing "
                    "was deleted. Check it as it is now, and delete it if you still mean to.",
                )
            else:
                return None
        else:
            messages.info(request, "Nothing has been deleted. Check what will go, then confirm.")
    form = forms.ConfirmDeleteForm(instance=instance)
    return render(request, template, {"form": form, **context})


def save_or_show_errors(form: BaseForm, save: Callable[[], T]) -> T | None:
    """Run the save and return what it saved; if the service refuses, put its reasons on the form
    and return None. A conflicting edit keeps everything typed (``form.had_conflict``, so the
    page can show the other version); a broken rule goes beside its field, or above the form
    when the form has no such field."""
    try:
        return save()
    except services.EditConflict as conflict:
        form.add_error(None, str(conflict))
        form.keep_typed_text_for_retry(conflict.current_version, _changes(form))
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
    return None


def _changes(form: BaseForm) -> list[forms.FieldChange]:
    """Each field the other editor changed since this one loaded the form (by the history's
    copy of the version they loaded), so the page can list them and keep the ones this editor
    did not touch."""
    instance = getattr(form, "instance", None)
    if instance is None or instance.pk is None:
        return []
    saved = saved_copy(instance)
    if saved is None:
        return []
    loaded = selectors.version_as_loaded(saved, form.cleaned_data.get("version"))
    return forms.conflict_changes(form, saved, loaded, yours=instance)


def saved_copy(instance: models.Model) -> models.Model | None:
    """The version in the database now, to show beside the editor's own text after a conflict."""
    return type(instance)._default_manager.filter(pk=instance.pk).first()


def move_direction(request: HttpRequest) -> str | None:
    value = request.POST.get("direction")
    return value if value in {"up", "down"} else None
