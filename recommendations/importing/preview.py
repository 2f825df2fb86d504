"""A table and a choice of columns, as the rows an import would save, each with its errors.

Nothing here writes: ``services.import_table`` saves the rows this builds."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from recommendations.importing import recognise
from recommendations.importing.readers import SourceTable
from recommendations.models import (
    DECISION_YES_NO,
    WORDING_MAX,
    ProgressUpdate,
    RagRating,
    Response,
)
from recommendations.services import ImportedLead, ImportedRow


@dataclass
class Preview:
    table: SourceTable
    header_index: int
    headings: list[str]
    fields: list[str]  # per column: the field it is mapped to, "" for none
    rows: list[ImportedRow] = field(default_factory=list)
    # Words in the decision or status columns that nothing maps: (column field, word).
    unknown_words: list[tuple[str, str]] = field(default_factory=list)
    # Header fields found above the table (``recognise.HEADER_FIELDS``): field -> value.
    header: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def columns(self) -> list[tuple[str, str]]:
        """(field, heading) of each mapped column, in the source's order."""
        return [
            (name, heading)
            for name, heading in zip(self.fields, self.headings, strict=True)
            if name
        ]

    @property
    def groups(self) -> list[tuple[str, list[ImportedRow]]]:
        """The rows by the review they are from, in the table's order; one group, named "",
        when the table holds one review."""
        groups: dict[str, list[ImportedRow]] = {}
        for row in self.rows:
            groups.setdefault(row.review, []).append(row)
        return list(groups.items())

    @property
    def committee_named(self) -> str:
        """The committee the table's rows name first ("Origin committee"), if any."""
        return next((row.committee for row in self.rows if row.committee), "")

    def heading_of(self, name: str) -> str:
        return next((heading for field_, heading in self.columns if field_ == name), "")


def mapping_from_pairs(headings: list[str], pairs: list[str]) -> dict[int, str]:
    """``--map "Heading=field"`` pairs as column index -> field. Unknown headings or fields
    are a ``ValueError`` naming them."""
    mapping: dict[int, str] = {}
    normal = [" ".join(heading.split()).lower() for heading in headings]
    for pair in pairs:
        heading, sep, name = pair.rpartition("=")
        if not sep:
            raise ValueError(f'"{pair}": write a mapping as "Heading=field".')
        name = name.strip()
        if name not in recognise.FIELDS and name not in ("none", "-"):
            raise ValueError(
                f'"{name}" is not a field; the fields are: '
                + ", ".join(key for key in recognise.FIELDS if key)
            )
        key = " ".join(heading.split()).lower()
        if key not in normal:
            raise ValueError(
                f'No column is headed "{heading}"; the headings are: ' + "; ".join(headings)
            )
        mapping[normal.index(key)] = "" if name in ("none", "-") else name
    return mapping


def default_table(tables: list[SourceTable]) -> int:
    """The index of the first table with a recommendation column (a Word file may hold a
    table of header fields, or a version table, above it); else the first."""
    for index, table in enumerate(tables):
        headings = table.rows[recognise.find_header_row(table.rows)]
        if "recommendation" in recognise.recognise_headings(headings):
            return index
    return 0


def words_from_pairs(pairs: list[str]) -> dict[str, str]:
    """``--word "Supported in part=partly_agreed"`` pairs as word -> value. An unknown value
    is a ``ValueError`` naming the values."""
    values = word_values()
    words: dict[str, str] = {}
    for pair in pairs:
        word, sep, value = pair.rpartition("=")
        if not sep or value.strip() not in values:
            raise ValueError(
                f'"{pair}": write a word as "Word=value"; the values are: ' + ", ".join(values)
            )
        words[word.strip()] = value.strip()
    return words


def word_values(kind: str = "") -> dict[str, str]:
    """What a decision ("decision") or status ("status") word can be mapped to; both when
    ``kind`` is blank."""
    decisions = dict(Response.Decision.choices)
    statuses = dict(ProgressUpdate.Status.choices) | {
        f"rag:{value}": f"RAG: {label}" for value, label in RagRating.choices
    }
    return {"decision": decisions, "status": statuses}.get(kind, decisions | statuses)


def build_preview(
    table: SourceTable,
    *,
    mapping: dict[int, str] | None = None,
    words: dict[str, str] | None = None,
    reference_pattern: re.Pattern[str] | None = None,
) -> Preview:
    """``mapping`` overrides the recognised field of some columns (index -> field);
    ``words`` maps a decision or status word (as the source has it) to a value (for a
    status, "rag:<colour>" is a RAG rating); ``reference_pattern`` is the authority's for
    reading a reference column (``recognise.split_reference``)."""
    header_index = recognise.find_header_row(table.rows)
    headings = [" ".join(cell.split()) for cell in table.rows[header_index]]
    fields = recognise.recognise_headings(headings)
    for index, name in (mapping or {}).items():
        if 0 <= index < len(fields):
            fields[index] = name
    preview = Preview(table, header_index, headings, fields)
    preview.header = recognise.header_fields(
        table.above + recognise.row_lines(table.rows[:header_index])
    )
    words = {key.strip().lower(): value for key, value in (words or {}).items()}
    # Labels are a review's own: in a table of several reviews, each review's are checked.
    seen_labels: dict[tuple[str, str], int] = {}
    unknown: set[tuple[str, str]] = set()
    for offset, cells in enumerate(table.rows[header_index + 1 :], start=header_index + 2):
        if not any(cell.strip() for cell in cells):
            continue
        row = _row(offset, fields, cells, words, unknown, reference_pattern)
        if row.label:
            key = (row.review, row.label)
            if key in seen_labels:
                row.errors.append(f"Label {row.label} is used by row {seen_labels[key]} already.")
            seen_labels.setdefault(key, offset)
        preview.rows.append(row)
    if any(row.review for row in preview.rows):
        for row in preview.rows:
            if not row.review:
                row.errors.append("No review: the table names one for its other rows.")
    _check_committees(preview.rows)
    for row in preview.rows:
        parent = recognise.parent_label(row.label)
        if (row.review, parent) in seen_labels:
            row.parent_label = parent
    # A recommendation in lettered parts ("2", then "2a", "2b") whose own decision cell is
    # blank has no response of its own: its parts carry them (Buckinghamshire's 2).
    parents = {(row.review, row.parent_label) for row in preview.rows if row.parent_label}
    for row in preview.rows:
        blank = not (row.decision_wording or row.response or row.timetable or row.timetable_date)
        if (
            (row.review, row.label) in parents
            and row.decision == Response.Decision.NOT_STATED
            and blank
        ):
            row.decision = None
    preview.unknown_words = sorted(unknown)
    return preview


def _check_committees(rows: list[ImportedRow]) -> None:
    """A review is of one committee: a row naming another than its review's first is an
    error (rows naming none take their review's)."""
    first: dict[str, tuple[str, int]] = {}
    for row in rows:
        if not row.committee:
            continue
        name, number = first.setdefault(row.review, (row.committee, row.number))
        if name.casefold() != row.committee.casefold():
            where = f"of {row.review} " if row.review else ""
            row.errors.append(
                f"Committee “{row.committee}”, but row {number} {where}names “{name}”: a "
                "review is of one committee."
            )


def _joined(fields: list[str], cells: list[str], name: str) -> str:
    return "\n\n".join(
        c.strip() for f, c in zip(fields, cells, strict=True) if f == name and c.strip()
    )


def _mapped(words: dict[str, str], kind: str, word: str) -> str:
    value = words.get(word.strip().lower(), "")
    return value if value in word_values(kind) else ""


def _mapped_status(value: str) -> tuple[str, str]:
    """(status, RAG rating) of a word mapped by hand: "rag:amber" is a RAG colour, its
    status unstated."""
    if value.startswith("rag:"):
        return ProgressUpdate.Status.NOT_STATED, value.removeprefix("rag:")
    return value, ""


def _wording(row: ImportedRow, word: str, ours: set[str | None]) -> str:
    """The cell's words, kept when the appendix would print something else for the value
    they map to."""
    word = " ".join(word.split())
    if word in ours or not word:
        return ""
    if len(word) > WORDING_MAX:
        row.errors.append(
            f"“{word[:40]}…” is too long to keep as the paper's word for a decision or "
            f"status (at most {WORDING_MAX} characters): map the column to something else."
        )
    return word


def _row(
    number: int,
    fields: list[str],
    cells: list[str],
    words: dict[str, str],
    unknown: set[tuple[str, str]],
    reference_pattern: re.Pattern[str] | None = None,
) -> ImportedRow:
    row = ImportedRow(number=number)
    values = {name: _joined(fields, cells, name) for name in set(fields) if name}
    label = recognise.clean_label(values.get("label", ""))
    # A reference ("SR (25/26) 01") gives the label, and the review when no column names it.
    reference = values.get("reference", "")
    parts = recognise.split_reference(reference, reference_pattern)
    if parts is None:
        row.errors.append(
            f"The reference “{' '.join(reference.split())[:60]}” does not match the "
            "authority's reference pattern (its settings): correct the pattern or the cell."
        )
        parts = ("", "")
    review_part, reference_label = parts
    row.review = " ".join(values.get("review", "").split()) or review_part
    row.committee = " ".join(values.get("committee", "").split())
    label = label or reference_label
    typed_label, text = recognise.split_label(values.get("recommendation", ""))
    if label and typed_label and typed_label != label:
        text = values.get("recommendation", "")  # the text's own number is part of it
    row.label = label or typed_label
    row.text = text.strip()
    if not row.text:
        row.errors.append("No recommendation text.")
    if "decision" in values:
        word = values["decision"]
        decision = _mapped(words, "decision", word) or recognise.decision_for(word)
        if decision in Response.Decision.values:
            row.decision = decision
        else:
            row.errors.append(f'Unknown decision "{word}": say which decision it means.')
            unknown.add(("decision", word))
        row.decision_wording = _wording(
            row,
            word,
            {Response.Decision(decision).label, DECISION_YES_NO.get(decision)}
            if decision in Response.Decision.values
            else set(),
        )
    if "response" in values:
        row.response = values["response"]
    if timetable := values.get("response_timetable", ""):
        lines = timetable.split("\n\n")
        if parsed := recognise.parse_date(lines[-1]):
            row.timetable_date, row.timetable_precision = parsed
            lines = lines[:-1]
        row.timetable = "\n".join(lines)
    for name, role in recognise.ROLE_OF_FIELD.items():
        for person, job_title in recognise.split_leads(values.get(name, "")):
            row.leads.append(ImportedLead(person, job_title, role))
    row.update = values.get("update", "")
    if "status" in values:
        word = values["status"]
        mapped = _mapped(words, "status", word)
        status = _mapped_status(mapped) if mapped else recognise.status_for(word)
        if status is None:
            row.errors.append(f'Unknown status "{word}": say which status it means.')
            unknown.add(("status", word))
        elif word.strip():  # a blank cell keeps the latest update's status
            row.status, row.rag = status
        stated = row.status in ProgressUpdate.Status.values and row.status != "not_stated"
        row.status_wording = _wording(
            row, word, {ProgressUpdate.Status(row.status).label if stated else ""}
        )
    row.timescale = values.get("timescale", "").replace("\n\n", "\n")
    return row
