"""What an uploaded supporting document really is, read from its bytes, never from its name.

A file's name is whatever the uploader's computer called it: an HTML page renamed
``minutes.pdf`` would otherwise be stored, listed as a PDF, and could run script if a browser
ever rendered it. So the content decides. puremagic (pure Python, no system libmagic) reads
the signatures of the single-format types (PDF, PNG, JPEG) and names what a refused file is;
the zip-based office formats all share one signature, so which one a zip is, if any, is read
from its own manifest: Office Open XML's ``[Content_Types].xml`` main part (the macro-enabled
variants have other types, and are refused) or OpenDocument's ``mimetype`` entry. Text has no
signature: it is text when it decodes, holds no control characters, and does not open with
markup (HTML, SVG, XML).
"""

from __future__ import annotations

import codecs
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

import puremagic
from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class DocumentType:
    name: str  # as a person says it: "PDF", "Word document"
    content_type: str  # what the download is served as
    extension: str  # the stored file's, and the download's if its own does not fit


PDF = DocumentType("PDF", "application/pdf", "pdf")
PNG = DocumentType("PNG image", "image/png", "png")
JPEG = DocumentType("JPEG image", "image/jpeg", "jpg")
OOXML_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        DocumentType(
            "Word document",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        )
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": DocumentType(
        "Excel spreadsheet",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        DocumentType(
            "PowerPoint presentation",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "pptx",
        )
    ),
}
ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": DocumentType(
        "OpenDocument text", "application/vnd.oasis.opendocument.text", "odt"
    ),
    "application/vnd.oasis.opendocument.spreadsheet": DocumentType(
        "OpenDocument spreadsheet", "application/vnd.oasis.opendocument.spreadsheet", "ods"
    ),
    "application/vnd.oasis.opendocument.presentation": DocumentType(
        "OpenDocument presentation", "application/vnd.oasis.opendocument.presentation", "odp"
    ),
}
# The charset is part of the type: a browser or spreadsheet then reads the bytes as written.
CSV_UTF8 = DocumentType("CSV", "text/csv; charset=utf-8", "csv")
CSV_WINDOWS = DocumentType("CSV", "text/csv; charset=windows-1252", "csv")
TEXT_UTF8 = DocumentType("Plain text", "text/plain; charset=utf-8", "txt")
TEXT_WINDOWS = DocumentType("Plain text", "text/plain; charset=windows-1252", "txt")

ALLOWED_TYPES = [
    PDF,
    *OOXML_MAIN_PARTS.values(),
    *ODF_TYPES.values(),
    PNG,
    JPEG,
    CSV_UTF8,
    CSV_WINDOWS,
    TEXT_UTF8,
    TEXT_WINDOWS,
]
# For the browser's file chooser only (the ``accept`` attribute): the content is what counts.
ACCEPTED_EXTENSIONS = sorted({kind.extension for kind in ALLOWED_TYPES} | {"jpeg"})
_BY_CONTENT_TYPE = {kind.content_type: kind for kind in ALLOWED_TYPES}
GENERIC_CONTENT_TYPE = "application/octet-stream"
UNKNOWN_KIND = DocumentType("File", GENERIC_CONTENT_TYPE, "bin")

ALLOWED_DESCRIPTION = (
    "PDF, Word, Excel or PowerPoint (DOCX, XLSX, PPTX), OpenDocument (ODT, ODS, ODP), "
    "PNG or JPEG images, CSV or plain text"
)
EMPTY = "The file is empty. Choose the file again."
UNKNOWN = "This is not a kind of file that can be attached. Attach {allowed}."
REFUSED = "This file is {what}, which cannot be attached. Attach {allowed}."
MARKUP = (
    "This file is a web page, SVG image or other markup, which cannot be attached: such files "
    "can run scripts when opened. Attach {allowed}."
)
OTHER_ZIP = (
    "This file is a zip archive but not a Word, Excel or PowerPoint document (macro-enabled "
    "ones are not accepted) or an OpenDocument file. Attach {allowed}."
)
DAMAGED_ZIP = "The file looks like an office document but could not be read. Save it again."

HEAD_BYTES = 8192
MANIFEST_MAX_BYTES = 1024 * 1024  # [Content_Types].xml is a few kilobytes in practice
# Besides tab, line feed, form feed and carriage return, no C0 control byte occurs in text.
CONTROL_BYTES = bytes(set(range(32)) - {9, 10, 12, 13})


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message.format(allowed=ALLOWED_DESCRIPTION), code=code)


def identify(upload: IO[bytes], filename: str = "") -> DocumentType:
    """The allowed type this file is, or a ``ValidationError`` saying what it is instead.

    ``upload`` must be seekable (Django's uploads are, in memory or in a temporary file);
    it is left at its start. ``filename`` only tells CSV from plain text."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    if not head:
        raise _refuse(EMPTY, "empty")
    if head.startswith(b"PK\x03\x04"):
        return _zipped_type(upload)
    guesses = _guesses(head)
    # Only a signature at the very start counts (puremagic also matches some at the end).
    starts = {guess.mime_type for guess in guesses if guess.offset == 0}
    for kind in (PDF, PNG, JPEG):
        if kind.content_type in starts:
            return kind
    if _is_markup(head) or any(_markup_type(guess.mime_type) for guess in guesses):
        raise _refuse(MARKUP, "markup")
    if (text := _text_type(upload, filename)) is not None:
        return text
    if guesses:
        # The longest signature can belong to some obscure format; a guess with a registered
        # content type ("Windows Executable", not "ZoneAlarm data file") is the one to name.
        guess = next((guess for guess in guesses if guess.mime_type), guesses[0])
        what = f"{'an' if guess.name[:1].lower() in 'aeiou' else 'a'} {guess.name}"
        what = f"{what} ({guess.extension})"
        raise ValidationError(
            REFUSED.format(what=what, allowed=ALLOWED_DESCRIPTION), code="refused_type"
        )
    raise _refuse(UNKNOWN, "unknown_type")


def _guesses(head: bytes) -> list[puremagic.PureMagicWithConfidence]:
    try:
        return puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return []


def _markup_type(content_type: str) -> bool:
    return content_type in {"text/html", "text/xml", "application/xml"} or content_type.endswith(
        "+xml"
    )


def _is_markup(head: bytes) -> bool:
    """HTML, SVG and XML open with a tag (after any byte-order mark and white space)."""
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")


def _zipped_type(upload: IO[bytes]) -> DocumentType:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                declared = _read_entry(archive, "mimetype", 200).decode("ascii", "replace")
                if (kind := ODF_TYPES.get(declared.strip())) is not None:
                    return kind
            if "[Content_Types].xml" in names:
                manifest = _read_entry(archive, "[Content_Types].xml", MANIFEST_MAX_BYTES)
                for main_part, kind in OOXML_MAIN_PARTS.items():
                    if f'ContentType="{main_part}"'.encode() in manifest:
                        return kind
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError):
        raise _refuse(DAMAGED_ZIP, "damaged") from None
    finally:
        upload.seek(0)
    raise _refuse(OTHER_ZIP, "other_zip")


def _read_entry(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """At most ``limit`` bytes of one entry: a crafted archive may claim any size."""
    with archive.open(name) as entry:
        return entry.read(limit)


def _text_type(upload: IO[bytes], filename: str) -> DocumentType | None:
    """UTF-8 (with or without a byte-order mark), else Windows-1252, as Excel saves CSV in
    Britain; None for anything with a control byte, which no text has. Read in chunks."""
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = is_cp1252 = True
    try:
        for chunk in iter(lambda: upload.read(1 << 20), b""):
            if chunk.translate(None, CONTROL_BYTES) != chunk:
                return None
            if is_utf8:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
            if is_cp1252:
                try:
                    chunk.decode("cp1252")
                except UnicodeDecodeError:
                    is_cp1252 = False
            if not (is_utf8 or is_cp1252):
                return None
        if is_utf8:
            try:
                utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                is_utf8 = False
    finally:
        upload.seek(0)
    is_csv = PurePath(filename).suffix.lower() == ".csv"
    if is_utf8:
        return CSV_UTF8 if is_csv else TEXT_UTF8
    if is_cp1252:
        return CSV_WINDOWS if is_csv else TEXT_WINDOWS
    return None


def name_for(content_type: str) -> str:
    """What a stored document is, as the lists and the pack say it."""
    return _BY_CONTENT_TYPE.get(content_type, UNKNOWN_KIND).name


SYNONYMS = {"jpg": {"jpeg", "jpe", "jfif"}, "txt": {"text"}}


def extensions_of(kind: DocumentType) -> set[str]:
    """The extensions a file of this type may keep in its download name."""
    return {kind.extension, *SYNONYMS.get(kind.extension, ())}


def extension_for(content_type: str) -> str:
    return _BY_CONTENT_TYPE.get(content_type, UNKNOWN_KIND).extension


def served_content_type(content_type: str) -> str:
    """Only the types a file was found to be on upload are ever sent; a value that is not one
    (a row from before the check, edited by hand) is sent as plain bytes."""
    return content_type if content_type in _BY_CONTENT_TYPE else GENERIC_CONTENT_TYPE


def sniff_bytes(data: bytes, filename: str = "") -> DocumentType:
    """``identify`` for bytes already in memory (tests, data migrations)."""
    return identify(io.BytesIO(data), filename)
