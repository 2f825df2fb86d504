"""Importing a table (officers only): upload the file and say where its rows go; then pick
the table, map its columns and words, read the preview with each row's errors, and save.

The uploaded file waits in the default storage, under a random name only this session
knows, between the steps; saving (or a new upload) removes it. An upload is saved once
(``imported_uploads``): a second save of it, or its preview asked for again, says it was
imported and shows what the first save made."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.views.decorators.http import require_http_methods

from recommendations import access, forms, imported_uploads, services
from recommendations.importing import readers, recognise
from recommendations.importing.preview import Preview, build_preview, default_table, word_values
from recommendations.models import Committee, DatePrecision, ImportedUpload, Review, UpdateReport
from recommendations.storage import StorageUnavailable

SESSION_KEY = "table_imports"
# From this many rows the save says, once sent, that it is saving (a progress bar in a live
# region, the button disabled): about a second's work on a busy server (bench/importing.py).
SAVE_NOTICE_ROWS = 150
PERMISSIONS = ("add_review", "add_recommendation", "add_progressupdate")


def _uploads(request: HttpRequest) -> dict:
    return request.session.get(SESSION_KEY) or {}


@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    access.require(request, *PERMISSIONS)
    # ?q= finds the review an update report goes into: the choice lists only some.
    search = request.GET.get("q", "")
    form = forms.ImportUploadForm(request.POST or None, request.FILES or None, search=search)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read(readers_limit() + 1)
        try:
            readers.read_tables(content, upload.name or "")
        except ValidationError as error:
            form.add_error("file", error.message_dict.get("file", error.messages))
        else:
            token = secrets.token_urlsafe(16)
            try:
                stored = default_storage.save(f"imports/{token}", ContentFile(content))
            except StorageUnavailable as error:
                form.add_error("file", str(error))
            else:
                data = form.cleaned_data
                uploads = _uploads(request)
                for old in uploads.values():  # one import at a time per session
                    default_storage.delete(old["stored"])
                request.session[SESSION_KEY] = {
                    token: {
                        "stored": stored,
                        "name": upload.name or "table",
                        "review": data["review"].pk if data["into"] == form.EXISTING else None,
                        "committee": data["committee"].pk if data["committee"] else None,
                        "title": data["title"].strip(),
                        "report_title": data["report_title"].strip(),
                        "as_at": data["as_at"].strip(),
                    }
                }
                return redirect("recommendations:import_preview", token=token)
    return render(request, "recommendations/import_upload.html", {"form": form, "nav": "reviews"})


def readers_limit() -> int:
    from django.conf import settings  # noqa: PLC0415

    return settings.IMPORT_MAX_BYTES


def _word_key(kind: str, word: str) -> str:
    return f"word_{kind}_{hashlib.sha256(word.encode()).hexdigest()[:10]}"


def _choices_for(kind: str) -> list[tuple[str, str]]:
    return [("", "Choose…"), *word_values(kind).items()]


def _preview_from(
    request: HttpRequest, params, tables, reference_pattern=None
) -> tuple[int, Preview, dict]:
    try:
        index = min(max(int(params["table"]), 1), len(tables)) - 1
    except (KeyError, ValueError):
        index = default_table(tables)
    table = tables[index]
    mapping = {}
    # Columns chosen for another table (the table was just changed) do not apply to this one.
    same_table = params.get("mapped_table", str(index + 1)) == str(index + 1)
    for column in range(table.width if same_table else 0):
        value = params.get(f"col{column}")
        if value is not None and value in recognise.FIELDS:
            mapping[column] = value
    first = build_preview(table, mapping=mapping, reference_pattern=reference_pattern)
    words, chosen = {}, {}
    for kind, word in first.unknown_words:
        value = params.get(_word_key(kind, word), "")
        if value in word_values(kind):
            chosen[_word_key(kind, word)] = value
            words[word] = value
    preview = (
        build_preview(table, mapping=mapping, words=words, reference_pattern=reference_pattern)
        if words
        else first
    )
    preview.unknown_words = first.unknown_words  # asked still, with the answers given
    return index, preview, chosen


@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    access.require(request, *PERMISSIONS)
    entry = _uploads(request).get(token)
    stored = _stored(entry) if entry is not None else None
    if stored is None:
        # Saved already (the back button, a second tab, a save sent twice): say so and show
        # what it made, rather than ask for the file again.
        if (imported := imported_uploads.find(token)) is not None:
            return _already_imported(request, imported)
        if entry is None:
            raise Http404("No such import: upload the file again.")
        raise Http404("The uploaded file is gone: upload it again.")
    content, tables = stored
    params = request.POST if request.method == "POST" else request.GET
    review = (
        Review.objects.select_related("committee__authority").filter(pk=entry["review"]).first()
        if entry["review"]
        else None
    )
    # References are read by the authority's pattern, if it set one: the review's, or the
    # new review's committee's (known once the header is).
    pattern = recognise.authority_reference_pattern(review.committee.authority if review else None)
    index, preview, chosen = _preview_from(request, params, tables, pattern)
    known = set(review.recommendations.values_list("label", flat=True)) if review else set()
    header = _header(params, entry, preview, review)
    if review is None and header["committee"] is not None and "reference" in preview.fields:
        pattern = recognise.authority_reference_pattern(header["committee"].authority)
        if pattern is not None:
            index, preview, chosen = _preview_from(request, params, tables, pattern)
    groups = _groups(preview, review.committee if review else header["committee"])
    if request.method == "POST" and not preview.errors:
        try:
            result = _save(request, entry, preview, review, content, header, upload=token)
        except imported_uploads.AlreadyImported as already:  # by a request beside this one
            return _already_imported(request, already.imported)
        if result is not None:
            default_storage.delete(entry["stored"])
            request.session[SESSION_KEY] = {}
            messages.success(request, _saved_message(result))
            if len(result.reviews) > 1:
                return redirect("recommendations:review_list")
            return redirect(result.review)
    elif request.method == "POST":
        messages.error(request, "Nothing was saved: correct the rows with errors first.")
    word_fields = [
        {
            "kind": kind,
            "word": word,
            "name": _word_key(kind, word),
            "choices": _choices_for(kind),
            "value": chosen.get(_word_key(kind, word), ""),
        }
        for kind, word in preview.unknown_words
    ]
    return render(
        request,
        "recommendations/import_preview.html",
        {
            "nav": "reviews",
            "token": token,
            "file_name": entry["name"],
            "tables": tables,
            "table_index": index + 1,
            "preview": preview,
            "columns": list(
                zip(range(len(preview.headings)), preview.headings, preview.fields, strict=True)
            ),
            "field_choices": list(recognise.FIELDS.items()),
            "word_fields": word_fields,
            "review": review,
            "header": header,
            "committees": Committee.objects.select_related("authority").order_by(
                "authority__name", "name"
            ),
            "unmatched": [
                row.number
                for row in preview.rows
                if review and not row.review and row.label not in known
            ],
            "groups": groups,
            "long_save": len(preview.rows) >= SAVE_NOTICE_ROWS,
            "recorded_groups": any(recorded for _, _, recorded, _ in groups),
            "committee": header["committee"],
            "title": header["title"],
            "action": reverse("recommendations:import_preview", kwargs={"token": token}),
        },
    )


def _stored(entry: dict) -> tuple[bytes, list] | None:
    """The uploaded file's content and tables; None when it is gone."""
    try:
        with default_storage.open(entry["stored"], "rb") as handle:
            content = handle.read()
        _, tables = readers.read_tables(content, entry["name"])
    except (OSError, ValidationError, StorageUnavailable):
        return None
    return content, tables


def _already_imported(request: HttpRequest, imported: ImportedUpload | None) -> HttpResponse:
    """Where a second save of an upload goes: what the first save made."""
    text = "This table was already imported"
    if imported is not None:
        when = formats.date_format(timezone.localtime(imported.imported_at), "j F Y, H:i")
        text += f" ({imported.file_name}, {when})" if imported.file_name else f" ({when})"
    messages.info(request, f"{text}: it was not saved again.")
    if imported is None or imported.review is None or imported.reviews > 1:
        return redirect("recommendations:review_list")
    return redirect(imported.review)


def _header(params, entry: dict, preview: Preview, review: Review | None) -> dict:
    """The header fields as the officer confirmed them on the preview, else as the upload
    form gave them, else as the file has them above the table."""
    found = preview.header

    def value(name: str, default: str) -> str:
        return params[f"head_{name}"].strip() if f"head_{name}" in params else default

    committee = None
    if review is None:
        chosen = value("committee", str(entry["committee"] or ""))
        committee = Committee.objects.filter(pk=chosen).first() if chosen.isdigit() else None
        # Else the committee the file names above the table, or the first its rows name.
        named = found.get("committee") or preview.committee_named
        if committee is None and not chosen and named:
            committee = _committee_named(named)
    date = value("meeting_date", found.get("meeting_date", ""))
    return {
        "found": [(recognise.HEADER_FIELDS[key], text) for key, text in found.items()],
        "title": value("title", entry["title"] or found.get("title", "")),
        "committee": committee,
        "meeting_date": date,
        "meeting_date_parsed": recognise.parse_date(date) if date else None,
        "minute": value("minute", found.get("minute", "")),
    }


def _committee_named(text: str) -> Committee | None:
    """The one committee whose name the file's header gives (or holds: "Chairman, Children's
    Select Committee" names the Children's Select Committee)."""
    words = " ".join(text.lower().split())
    named = [
        committee
        for committee in Committee.objects.only("pk", "name")
        if committee.name.lower() == words or committee.name.lower() in words
    ]
    return named[0] if len(named) == 1 else None


def _groups(preview: Preview, committee: Committee | None) -> list[tuple[str, list, bool, str]]:
    """The preview's rows by review, each saying whether a review of that title is recorded
    (in the authority): its rows then go into a new update report of it; else the committee
    the new review will be of, when its rows name one ("(a new committee)" when the
    authority has none of that name)."""
    groups = preview.groups
    names = [name for name, _ in groups if name]
    recorded: set[str] = set()
    known: set[str] = set()
    if names and committee is not None:
        recorded = {
            title.casefold()
            for title in Review.objects.filter(
                committee__authority_id=committee.authority_id, title__in=names
            ).values_list("title", flat=True)
        }
        known = {
            name.casefold()
            for name in Committee.objects.filter(authority_id=committee.authority_id).values_list(
                "name", flat=True
            )
        }
    out = []
    for name, rows in groups:
        named = next((row.committee for row in rows if row.committee), "")
        if named and committee is not None and named.casefold() not in known:
            named += " (a new committee)"
        out.append((name, rows, name.casefold() in recorded, named))
    return out


def _save(
    request, entry, preview: Preview, review: Review | None, content: bytes, header, upload: str
):
    as_at, precision = timezone.localdate(), DatePrecision.DAY
    if entry["as_at"] and (parsed := recognise.parse_date(entry["as_at"])):
        as_at, precision = parsed
    elif header["meeting_date_parsed"]:  # updates are as at the meeting they went to
        as_at, precision = header["meeting_date_parsed"]
    title = entry["report_title"] or preview.heading_of("update") or "Imported update"
    report = UpdateReport(title=title, as_at=as_at, as_at_precision=precision)
    if review is None:
        # A table of several reviews names each row's: only their committee is needed.
        several = any(row.review for row in preview.rows)
        if header["committee"] is None or not (header["title"] or several):
            missing = "committee" if header["committee"] is None else "title"
            messages.error(request, f"Nothing was saved. Give the new review's {missing}.")
            return None
        review = Review(committee=header["committee"], title=header["title"])
    if header["meeting_date"] and header["meeting_date_parsed"] is None:
        messages.error(request, "Nothing was saved. The meeting date is not a date.")
        return None
    meeting_date, meeting_precision = header["meeting_date_parsed"] or (None, DatePrecision.DAY)
    try:
        return services.import_table_at_meeting(
            meeting_date=meeting_date,
            meeting_precision=meeting_precision,
            agenda_item=_agenda_item(header["minute"]),
            rows=preview.rows,
            review=review,
            report=report,
            columns=preview.columns,
            file_name=entry["name"],
            content=content,
            user=request.user,
            replace_layout=request.POST.get("layout") == "source",
            upload=upload,
        )
    except services.ImportRefused as error:
        for number, problems in error.errors.items():
            where = f"Row {number}: " if number else ""
            messages.error(request, f"Nothing was saved. {where}{' '.join(problems)}")
    except (ValidationError, StorageUnavailable) as error:
        text = " ".join(getattr(error, "messages", [str(error)]))
        messages.error(request, f"Nothing was saved. {text}")
    return None


def _agenda_item(minute: str) -> str:
    """ "Minute 23" for a minute's number; the text as the file gives it otherwise."""
    return f"Minute {minute}" if minute and minute[0].isdigit() else minute


def _saved_message(result: services.ImportResult) -> str:
    text = (
        f"Imported {result.recommendations} recommendation(s) and {result.updates} update(s)."
        if result.recommendations
        else f"Imported {result.updates} update(s) into the update report “{result.report.title}”."
    )
    if len(result.reviews) > 1:
        text += f" {len(result.reviews)} reviews: " + "; ".join(r.title for r in result.reviews)
        text += "."
    if result.unmatched:
        labels = ", ".join(row.label or f"row {row.number}" for row in result.unmatched)
        text += f" No recommendation matched: {labels}."
    return text
