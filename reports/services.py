from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from recommendations.models import Meeting, Review, UpdateReport
from recommendations.services import EditConflict, User
from reports.layouts import (
    FIELDS,
    HEADER_FIELDS,
    HEADER_KEYS,
    HEADING_MAX,
    LAYOUTS,
    VERSION_HEADINGS,
)
from reports.models import (
    AppendixLayoutFields,
    AppendixSettings,
    IssuedPack,
    PackRender,
    ReportAppendixSettings,
)

Columns = Sequence[tuple[str, str] | Mapping[str, str]]


def _clean_columns(columns: Columns) -> list[dict[str, str]]:
    """The columns as stored, ``{"field", "heading"}`` in order; field-keyed refusals for an
    unknown or repeated field, a heading too long, or no column at all."""
    cleaned: list[dict[str, str]] = []
    errors: list[str] = []
    for column in columns:
        field, heading = (
            (column.get("field"), column.get("heading")) if isinstance(column, Mapping) else column
        )
        heading = str(heading or "").strip()
        if field not in FIELDS:
            errors.append(f"There is no column called {field!r}.")
        elif any(seen["field"] == field for seen in cleaned):
            errors.append(f"The column “{FIELDS[field].heading}” is shown twice.")
        elif len(heading) > HEADING_MAX:
            errors.append(f"A heading has at most {HEADING_MAX} characters.")
        else:
            cleaned.append({"field": field, "heading": heading})
    if not cleaned and not errors:
        errors.append("Show at least one column.")
    if errors:
        raise ValidationError({"columns": errors})
    return cleaned


HeaderFields = Iterable[str | tuple[str, str] | Mapping[str, object]]


def _clean_header(header: HeaderFields) -> list[dict]:
    """The header's fields as stored, ``{"field", "label"}`` in the order they print (the
    version table's with its four column ``"headings"`` when any is given); each given as a
    key (its own label), a (key, label) pair or such a mapping. A blank label is the field's
    own. Field-keyed refusals for an unknown field or a label too long."""
    cleaned: dict[str, dict] = {}
    errors: list[str] = []
    for entry in header:
        if isinstance(entry, str):
            key, label, headings = entry, "", None
        elif isinstance(entry, Mapping):
            key, label, headings = entry.get("field"), entry.get("label"), entry.get("headings")
        elif isinstance(entry, Sequence) and len(entry) == 2:
            (key, label), headings = entry, None
        else:
            key, label, headings = None, "", None
        label = str(label or "").strip()
        if not isinstance(key, str) or key not in HEADER_FIELDS:
            errors.append(f"There is no header field called {key!r}.")
            continue
        stored: dict = {"field": key, "label": label}
        if headings is not None and key == "versions":
            headings = (
                [str(heading or "").strip() for heading in headings]
                if isinstance(headings, list | tuple)
                else []
            )
            if len(headings) != len(VERSION_HEADINGS):
                errors.append(f"The version table has {len(VERSION_HEADINGS)} column headings.")
            elif any(headings):
                stored["headings"] = headings
        if max([len(label), *(len(h) for h in stored.get("headings", []))]) > HEADING_MAX:
            errors.append(f"A label has at most {HEADING_MAX} characters.")
        cleaned.setdefault(key, stored)
    if errors:
        raise ValidationError({"header": errors})
    return [cleaned[key] for key in HEADER_KEYS if key in cleaned]


def _layout_set(
    model: type[AppendixLayoutFields],
    owner: dict,
    *,
    layout: str,
    columns: Columns | None,
    headings: dict[str, str] | None,
    header: HeaderFields,
    note: str,
    title: str,
    expected_version: int | None,
    user: User,
) -> AppendixLayoutFields:
    if layout not in LAYOUTS:
        raise ValidationError(
            {"layout": f"Choose one of the presets: {', '.join(sorted(LAYOUTS))}."}
        )
    if columns is None:  # the preset's columns, any renamed by key (the demo's documents)
        renamed = {key: value for key, value in (headings or {}).items() if value}
        columns = [(key, renamed.get(key, heading)) for key, heading in LAYOUTS[layout].columns]
    stored_columns = _clean_columns(columns)
    stored_header = _clean_header(header)
    settings = model.objects.select_for_update().filter(**owner).first()
    stored_version = settings.version if settings else None
    if stored_version != expected_version:
        raise EditConflict(noun="appendix layout", current_version=stored_version)
    if settings is None:
        settings = model(**owner)
    else:
        settings.version += 1
    settings.layout = layout
    settings.columns = stored_columns
    settings.header = stored_header
    settings.note = note.strip()
    settings.title = title.strip()
    settings.full_clean(exclude=list(owner))
    if user is not None and user.is_authenticated:
        settings._history_user = user
    try:
        with transaction.atomic():
            settings.save()
    except IntegrityError:
        stored = model.objects.filter(**owner).values_list("version", flat=True)
        raise EditConflict(noun="appendix layout", current_version=stored.first()) from None
    return settings


@transaction.atomic
def appendix_settings_set(
    *,
    review: Review,
    layout: str,
    columns: Columns | None = None,
    headings: dict[str, str] | None = None,
    header: HeaderFields = (),
    note: str = "",
    title: str = "",
    expected_version: int | None,
    user: User = None,
) -> AppendixSettings:
    """A review's appendix layout: the preset it starts from (which writes the labels), its
    columns in order as (field, heading) pairs (a field left out is hidden; a blank heading
    is the field's own; ``None``: the preset's, with ``headings`` renaming them by field),
    the header block's fields (keys, or (field, label) pairs as the paper labels them:
    "Inquiry Title"; the version table's as a mapping that may give its column
    ``"headings"``), its note and the appendix's title ("Appendix A").

    ``expected_version`` is the version the editor loaded, ``None`` when the review had no
    settings yet: anything else now stored is someone else's save, refused as an
    ``EditConflict``. ``select_for_update`` holds the row on PostgreSQL; SQLite's IMMEDIATE
    transactions already serialise writers. Two first saves at once meet the one-to-one
    constraint instead."""
    return _layout_set(
        AppendixSettings,
        {"review": review},
        layout=layout,
        columns=columns,
        headings=headings,
        header=header,
        note=note,
        title=title,
        expected_version=expected_version,
        user=user,
    )


@transaction.atomic
def report_appendix_settings_set(
    *,
    report: UpdateReport,
    layout: str,
    columns: Columns | None = None,
    header: HeaderFields = (),
    note: str = "",
    title: str = "",
    expected_version: int | None,
    user: User = None,
) -> ReportAppendixSettings:
    """One update report's own layout, which replaces its review's when that report is
    printed (page, exports, PDF, pack); as ``appendix_settings_set``."""
    return _layout_set(
        ReportAppendixSettings,
        {"report": report},
        layout=layout,
        columns=columns,
        headings=None,
        header=header,
        note=note,
        title=title,
        expected_version=expected_version,
        user=user,
    )


@transaction.atomic
def report_appendix_settings_clear(
    *, report: UpdateReport, expected_version: int | None, user: User = None
) -> None:
    """The report prints in its review's layout again. Its own is deleted (the history keeps
    it), only at the version the editor saw."""
    settings = ReportAppendixSettings.objects.select_for_update().filter(report=report).first()
    if settings is None:
        return
    if settings.version != expected_version:
        raise EditConflict(noun="appendix layout", current_version=settings.version)
    if user is not None and user.is_authenticated:
        settings._history_user = user
    settings.delete()


def _issuer_name(user: User) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or user.get_username())[:300]


@transaction.atomic
def issued_pack_store(
    *, meeting: Meeting, content: bytes, pages: int, issued_by: User = None
) -> tuple[IssuedPack, bool]:
    """Keep ``content`` as the meeting's pack as presented: issued by ``issued_by``, or frozen
    when the meeting passed when ``None``. Returns the issued pack and whether this call
    stored it: a pack already issued is returned unchanged (whoever asked second, even at the
    same moment, gets the first one's pack, and their file is removed).

    The file goes through the default storage, which raises ``StorageUnavailable`` (and
    removes its partial file) when it cannot be written: then nothing is recorded."""
    existing = IssuedPack.objects.filter(meeting=meeting).first()
    if existing is not None:
        return existing, False
    name = default_storage.save(
        f"packs/issued/pack-{meeting.pk}-{meeting.date:%Y-%m-%d}.pdf", ContentFile(content)
    )
    issuer = issued_by if issued_by is not None and issued_by.is_authenticated else None
    issued = IssuedPack(
        meeting=meeting,
        file=name,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        pages=pages,
        how=IssuedPack.How.ISSUED if issuer else IssuedPack.How.FROZEN,
        issued_at=timezone.now(),
        issued_by=issuer,
        issued_by_name=_issuer_name(issuer),
    )
    try:
        with transaction.atomic():
            issued.full_clean(exclude=["meeting"])
            issued.save()
    except IntegrityError:
        # Another request issued it between our look and our insert: theirs stands.
        default_storage.delete(name)
        return IssuedPack.objects.get(meeting=meeting), False
    except BaseException:
        default_storage.delete(name)
        raise
    return issued, True


@transaction.atomic
def meeting_packs_discard(*, meetings: Iterable[Meeting]) -> None:
    """Remove every pack kept for these meetings, issued ones included, and their files once the
    transaction commits (a rollback keeps them). Only for meetings about to be deleted with
    disposable data, the demo reloaded by ``load_demo_data --replace``: otherwise an issued
    pack stays for good, and protects its meeting from deletion."""
    meetings = list(meetings)
    issued = IssuedPack.objects.filter(meeting__in=meetings)
    renders = PackRender.objects.filter(meeting__in=meetings)
    names = [name for name in issued.values_list("file", flat=True) if name]
    render_names = [name for name in renders.values_list("file", flat=True) if name]
    issued.delete()
    renders.delete()
    render_storage = PackRender._meta.get_field("file").storage

    def delete_files() -> None:
        for name in names:
            default_storage.delete(name)
        for name in render_names:
            render_storage.delete(name)

    transaction.on_commit(delete_files)
