"""A table and a choice of columns, as the rows an import would save, each with its errors.

Nothing here writes: ``services.import_table`` saves the rows this builds."""

from __future__ import annotations

from dataclasses import dataclass, field

from recommendations.importing import recognise
from recommendations.importing.readers import SourceTable
from recommendations.models import Response
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


def build_preview(
    table: SourceTable,
    *,
    mapping: dict[int, str] | None = None,
    words: dict[str, str] | None = None,
) -> Preview:
    """``mapping`` overrides the recognised field of some columns (index -> field);
    ``words`` maps a decision or status word (as the source has it) to a value."""
    header_index = recognise.find_header_row(table.rows)
    headings = [" ".join(cell.split()) for cell in table.rows[header_index]]
    fields = recognise.recognise_headings(headings)
    for index, name in (mapping or {}).items():
        if 0 <= index < len(fields):
            fields[index] = name
    preview = Preview(table, header_index, headings, fields)
    words = {key.strip().lower(): value for key, value in (words or {}).items()}
    # Labels are a review's own: in a table of several reviews, each review's are checked.
    seen_labels: dict[tuple[str, str], int] = {}
    unknown: set[tuple[str, str]] = set()
    for offset, cells in enumerate(table.rows[header_index + 1 :], start=header_index + 2):
        if not any(cell.strip() for cell in cells):
            continue
        row = _row(offset, fields, cells, words, unknown)
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
    for row in preview.rows:
        parent = recognise.parent_label(row.label)
        if (row.review, parent) in seen_labels:
            row.parent_label = parent
    preview.unknown_words = sorted(unknown)
    return preview


def _joined(fields: list[str], cells: list[str], name: str) -> str:
    return "\n\n".join(
        c.strip() for f, c in zip(fields, cells, strict=True) if f == name and c.strip()
    )


def _row(
    number: int,
    fields: list[str],
    cells: list[str],
    words: dict[str, str],
    unknown: set[tuple[str, str]],
) -> ImportedRow:
    row = ImportedRow(number=number)
    values = {name: _joined(fields, cells, name) for name in set(fields) if name}
    label = recognise.clean_label(values.get("label", ""))
    # A reference ("SR (25/26) 01") gives the label, and the review when no column names it.
    review_part, reference_label = recognise.split_reference(values.get("reference", ""))
    row.review = " ".join(values.get("review", "").split()) or review_part
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
        decision = words.get(word.strip().lower()) or recognise.decision_for(word)
        if decision in Response.Decision.values:
            row.decision = decision
        else:
            row.errors.append(f'Unknown decision "{word}": say which decision it means.')
            unknown.add(("decision", word))
        row.decision_wording = word
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
        mapped = words.get(word.strip().lower())
        status = (mapped, "") if mapped else recognise.status_for(word)
        if status is None:
            row.errors.append(f'Unknown status "{word}": say which status it means.')
            unknown.add(("status", word))
        else:
            row.status, row.rag = status
        row.status_wording = word
    row.timescale = values.get("timescale", "").replace("\n\n", "\n")
    return row
