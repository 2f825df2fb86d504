"""The committee's view of each update a meeting considered, recorded on one page: a row per
update with the executive's status beside the verdict. "Save all" saves every changed row in one
transaction (``services.meeting_save_verdicts``: all or nothing). Members and clerks read the
page; scrutiny officers record."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from recommendations import access, forms, selectors, services
from recommendations.models import CommitteeVerdict, Meeting

READ_PERMISSIONS = ("view_meeting", "view_committeeverdict")
RECORD_PERMISSIONS = ("add_committeeverdict", "change_committeeverdict", "delete_committeeverdict")


def _row_form(data, row: selectors.VerdictRow, *, instance: CommitteeVerdict | None = None):
    prefix = f"u-{row.update.pk}"
    if instance is None:
        # A row posted without a version was new when loaded: keep it new, so that a verdict
        # someone else recorded meanwhile is a conflict rather than "this form is out of date".
        posted_version = data.get(f"{prefix}-version") if data is not None else "x"
        instance = row.verdict if posted_version else None
    form = forms.VerdictForm(
        data, prefix=prefix, instance=instance, update=row.update, meeting=row.meeting
    )
    form.row = row
    return form


def _loaded_values(form: forms.VerdictForm) -> dict | None:
    """What this editor had loaded in the row: the version they edited, from the history, or,
    for a row that was new, what the empty row offered."""
    if form.instance.pk:
        return selectors.version_as_loaded(form.instance, form.cleaned_data.get("version"))
    return {"verdict": "", "asks": "", "comment": ""}


def _show_conflict(request, form, conflict: services.EditConflict):
    """The row again, now editing the saved verdict at its current version: the fields the
    other person changed are listed, and those this editor had not touched show theirs."""
    saved = CommitteeVerdict.objects.filter(update_id=form.row.update.pk).first()
    if saved is None:  # removed meanwhile: a new row again, with what was typed
        retry = forms.VerdictForm(
            request.POST, prefix=form.prefix, update=form.row.update, meeting=form.row.meeting
        )
        retry.row = form.row
        retry.keep_typed_text_for_retry(None)
        retry.add_error(None, str(conflict))
        return retry
    changes = forms.conflict_changes(form, saved, _loaded_values(form), yours=form.instance)
    retry = _row_form(request.POST, form.row, instance=saved)
    retry.keep_typed_text_for_retry(conflict.current_version, changes)
    retry.saved = CommitteeVerdict.objects.get(pk=saved.pk)
    retry.add_error(None, str(conflict))
    return retry


def _put_errors(form, error) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def meeting_verdicts(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        access.require(request, *RECORD_PERMISSIONS)
    meeting: Meeting = access.meeting_by_id(request, pk, permission=READ_PERMISSIONS)
    can_record = request.user.has_perms([f"recommendations.{name}" for name in RECORD_PERMISSIONS])
    groups = selectors.meeting_verdict_groups(meeting)
    data = request.POST if request.method == "POST" else None
    row_forms: dict[int, forms.VerdictForm] = {}
    if can_record:
        for group in groups:
            for row in group.rows:
                if not row.recorded_elsewhere:
                    row_forms[row.update.pk] = _row_form(data, row)
    if data is not None:
        # Validate every row (not stopping at the first), so all errors show at once.
        valid = [form.is_valid() for form in row_forms.values()]
        changed = [form for form in row_forms.values() if form.has_changed()]
        if all(valid) and not changed:
            messages.info(request, "Nothing to save: no verdict was recorded or changed.")
        elif all(valid):
            entries = [
                services.VerdictEntry(
                    form.instance,
                    form.cleaned_data.get("version") if form.instance.pk else None,
                    remove=form.removes,
                )
                for form in changed
            ]
            try:
                saved = services.meeting_save_verdicts(
                    meeting=meeting, entries=entries, user=request.user
                )
            except services.VerdictsRefused as refused:
                for update_id, error in refused.errors.items():
                    form = row_forms[update_id]
                    if isinstance(error, services.EditConflict):
                        row_forms[update_id] = _show_conflict(request, form, error)
                    else:
                        _put_errors(form, error)
            else:
                removed = len(entries) - len(saved)
                said = [f"{len(saved)} verdict{'s' if len(saved) != 1 else ''} saved"]
                if removed:
                    said.append(f"{removed} removed")
                messages.success(request, " and ".join(said) + ".")
                return redirect(reverse("recommendations:meeting_verdicts", kwargs={"pk": pk}))
    for group in groups:
        for row in group.rows:
            row.form = row_forms.get(row.update.pk)
    error_forms = [form for form in row_forms.values() if form.errors]
    rows = [row for group in groups for row in group.rows]
    return render(
        request,
        "recommendations/meeting_verdicts.html",
        {
            "meeting": meeting,
            "groups": groups,
            "can_record": can_record,
            "recorded": sum(1 for row in rows if row.verdict is not None),
            "total": len(rows),
            "error_forms": error_forms,
            "has_errors": bool(error_forms),
        },
    )
