"""Entering a monitoring round on one page: a row per recommendation that carries its own
decision, each with the update before it beside the new one. "Save all" saves every filled row
in one transaction (``services.update_report_save_updates``: all or nothing); "Save this row"
saves one and keeps what was typed in the others."""

from __future__ import annotations

from django.contrib import messages
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from recommendations import access, forms, selectors, services
from recommendations.models import ProgressUpdate, UpdateReport
from recommendations.views.common import owner, typed_back

ROUND_PERMISSIONS = ("add_progressupdate", "change_progressupdate")


def _row_form(data, row: selectors.RoundRow, *, instance: ProgressUpdate | None = None):
    prefix = f"rec-{row.recommendation.pk}"
    if instance is None:
        # A row posted without a version was new when loaded: keep it new, so that an update
        # someone else entered meanwhile is a conflict rather than "this form is out of date".
        posted_version = data.get(f"{prefix}-version") if data is not None else "x"
        instance = row.current if posted_version else None
    form = forms.RoundRowForm(
        data, prefix=prefix, instance=instance,
        recommendation=row.recommendation, previous=row.previous,
    )  # fmt: skip
    form.row = row
    return form


def _loaded_values(form: forms.RoundRowForm) -> dict | None:
    """What this editor had loaded in the row: the version they edited, from the history, or,
    for a row that was new, what the empty row offered."""
    if form.instance.pk:
        return selectors.version_as_loaded(form.instance, form.cleaned_data.get("version"))
    loaded = {}
    for name in form.fields:
        if name != "version":
            model_field = ProgressUpdate._meta.get_field(name)
            loaded[model_field.attname] = form.initial.get(name, model_field.get_default())
    return loaded


def _show_conflict(request, form, conflict: services.EditConflict, report: UpdateReport):
    """The row again, now editing the saved update at its current version: the fields the other
    person changed are listed, and those this editor had not touched show the saved values."""
    saved = (
        ProgressUpdate.objects.filter(report=report, recommendation_id=form.row.recommendation.pk)
        .order_by("-as_at", "-id")
        .first()
    )
    if saved is None:  # deleted meanwhile: a new row again
        form.add_error(None, str(conflict))
        return form
    changes = forms.conflict_changes(form, saved, _loaded_values(form), yours=form.instance)
    saved = ProgressUpdate.objects.get(pk=saved.pk)  # unmodified by the form's validation
    retry = _row_form(request.POST, form.row, instance=saved)
    retry.keep_typed_text_for_retry(conflict.current_version, changes)
    retry.saved = ProgressUpdate.objects.get(pk=saved.pk)
    retry.add_error(None, str(conflict))
    return retry


def _put_errors(form, error) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def update_report_enter(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    report = access.report_for(request, slug, pk, permission=ROUND_PERMISSIONS)
    if report.is_final:
        raise services.RecordLocked(services.REPORT_FINAL_MESSAGE)
    rows = selectors.round_rows(report)
    typed = typed_back(request)  # the rows as typed before the session expired, unsaved
    data = request.POST if request.method == "POST" else typed
    top = forms.RoundForm(
        data,
        prefix="round",
        initial={
            "as_at": report.as_at or timezone.localdate(),
            "as_at_precision": report.as_at_precision,
        },
    )
    row_forms = [_row_form(data, row) for row in rows]
    here = reverse("recommendations:update_report_enter", kwargs={"slug": slug, "pk": pk})
    if request.method == "POST":
        only = request.POST.get("save_row")
        chosen = [f for f in row_forms if only is None or str(f.row.recommendation.pk) == only]
        # Validate every chosen row (not stopping at the first), so all errors show at once.
        valid = [form.is_valid() for form in [top, *chosen]]
        filled = [form for form in chosen if form.has_changed()]
        if only is not None:
            for form in row_forms:
                if form not in chosen:
                    form._errors = ErrorDict()  # not saved, so not checked: typed text kept
        if all(valid) and not filled:
            messages.info(request, "Nothing to save: no row was filled in or changed.")
        elif all(valid):
            entries = []
            for form in filled:
                update = form.instance
                if update.pk is None:
                    update.as_at = top.cleaned_data["as_at"]
                    update.as_at_precision = top.cleaned_data["as_at_precision"]
                entries.append(
                    services.RoundEntry(
                        update, form.cleaned_data.get("version") if update.pk else None
                    )
                )
            try:
                saved = services.update_report_save_updates(
                    report=report, entries=entries, user=request.user
                )
            except services.RoundRefused as refused:
                for index, form in enumerate(row_forms):
                    error = refused.errors.get(form.row.recommendation.pk)
                    if isinstance(error, services.EditConflict):
                        row_forms[index] = _show_conflict(request, form, error, report)
                    elif error is not None:
                        _put_errors(form, error)
            else:
                labels = ", ".join(u.recommendation.label or "unnumbered" for u in saved)
                noun = "update" if len(saved) == 1 else "updates"
                messages.success(request, f"{len(saved)} {noun} saved ({labels}).")
                others_typed = only is not None and any(
                    form.has_changed() for form in row_forms if form not in chosen
                )
                if not others_typed:
                    anchor = f"#row-{saved[0].recommendation_id}" if only is not None else ""
                    return redirect(here + anchor)
                # Keep what was typed in the other rows: show the page again, the saved row
                # now as an edit of its update.
                for index, form in enumerate(row_forms):
                    if form in chosen:
                        form.row.current = saved[0]
                        row_forms[index] = _row_form(None, form.row)
    if typed is not None:
        for form in [top, *row_forms]:
            form._errors = ErrorDict()  # checked when they save
    error_rows = [form for form in row_forms if form.errors]
    return render(
        request,
        "recommendations/update_report_enter.html",
        {
            "review": report.review,
            "report": report,
            "top": top,
            "rows": row_forms,
            "done": [f.row for f in row_forms if f.row.current is not None],
            "missing": [f.row for f in row_forms if f.row.current is None],
            "has_errors": bool(top.errors) or bool(error_rows),
            "error_rows": error_rows,
            **owner(request),
        },
    )
